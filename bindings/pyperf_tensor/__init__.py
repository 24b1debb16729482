"""pyperf_tensor: SIMD, multi-threaded tensor operations on NumPy arrays, without copies.

Every function takes NumPy arrays (any strides, views, 0-d, empty) and Python scalars
and returns a ``numpy.ndarray``. Inputs are never copied or converted behind your back:
unsupported or mixed dtypes raise ``TypeError``. ``out=`` writes into an existing array
(``out=a`` is in place).
"""

from ._core import (
    __version__,
    add,
    get_num_threads,
    set_num_threads,
    simd_info,
)

__all__ = [
    "__version__",
    "add",
    "get_num_threads",
    "set_num_threads",
    "simd_info",
]
