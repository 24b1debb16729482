"""pyperf_tensor: SIMD, multi-threaded tensor operations on NumPy arrays, without copies.

Every function takes NumPy arrays (any strides, views, 0-d, empty) and Python scalars
and returns a ``numpy.ndarray``. Inputs are never copied or converted behind your back:
unsupported or mixed dtypes raise ``TypeError``. ``out=`` writes into an existing array
(``out=a`` is in place).
"""

from ._core import (
    __version__,
    abs,
    add,
    argmax,
    argmin,
    clip,
    div,
    exp,
    fma,
    gelu,
    get_num_threads,
    leaky_relu,
    log,
    log_softmax,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    prod,
    reciprocal,
    relu,
    set_num_threads,
    sigmoid,
    silu,
    simd_info,
    softmax,
    sqrt,
    square,
    std,
    sub,
    sum,
    tanh,
    var,
)

__all__ = [
    "__version__",
    # elementwise, binary
    "add", "sub", "mul", "div", "maximum", "minimum", "pow",
    # elementwise, unary
    "neg", "abs", "sqrt", "exp", "log", "square", "reciprocal",
    # elementwise, ternary
    "fma", "clip",
    # activations
    "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "softmax", "log_softmax",
    # reductions
    "sum", "mean", "prod", "max", "min", "argmax", "argmin", "var", "std",
    # runtime
    "get_num_threads", "set_num_threads", "simd_info",
]
