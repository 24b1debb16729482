"""Activations against PyTorch CPU (torch.nn.functional) and the usual NumPy formulations,
float32 matrices at the standard sizes, 1 and 2 threads, softmax / log_softmax along axis -1
and axis 0. Ours and NumPy write into a preallocated out; torch's functional API allocates
(its caching allocator makes that cheap), except sigmoid/tanh which take out=."""

import numpy as np

from harness import OURS, torch
import pyperf_tensor as pt

SIZES = (100, 500, 1000, 4000)
OPS = ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "gelu_tanh", "silu", "softmax", "log_softmax")


def _numpy(name, x, o, axis):
    def softmax():
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return np.divide(e, e.sum(axis=axis, keepdims=True), out=o)

    def log_softmax():
        s = x - x.max(axis=axis, keepdims=True)
        return np.subtract(s, np.log(np.exp(s).sum(axis=axis, keepdims=True)), out=o)

    return {
        "relu": lambda: np.maximum(x, 0, out=o),
        "leaky_relu": lambda: np.where(x > 0, x, x * np.float32(0.01)),
        "sigmoid": lambda: np.divide(1, 1 + np.exp(-x), out=o),
        "tanh": lambda: np.tanh(x, out=o),
        "gelu": None,  # NumPy has no erf
        "gelu_tanh": lambda: np.multiply(0.5 * x, 1 + np.tanh(np.float32(0.7978845608) * (x + np.float32(0.044715) * x * x * x)), out=o),
        "silu": lambda: np.divide(x, 1 + np.exp(-x), out=o),
        "softmax": softmax,
        "log_softmax": log_softmax,
    }[name]


def _torch(name, tx, to, axis):
    if torch is None:
        return None
    F = torch.nn.functional
    return {
        "relu": lambda: F.relu(tx),
        "leaky_relu": lambda: F.leaky_relu(tx, 0.01),
        "sigmoid": lambda: torch.sigmoid(tx, out=to),
        "tanh": lambda: torch.tanh(tx, out=to),
        "gelu": lambda: F.gelu(tx),
        "gelu_tanh": lambda: F.gelu(tx, approximate="tanh"),
        "silu": lambda: F.silu(tx),
        "softmax": lambda: F.softmax(tx, dim=axis),
        "log_softmax": lambda: F.log_softmax(tx, dim=axis),
    }[name]


def _ours(name, x, o, axis):
    if name == "gelu_tanh":
        return lambda: pt.gelu(x, "tanh", out=o)
    if name in ("softmax", "log_softmax"):
        fn = getattr(pt, name)
        return lambda: fn(x, axis, out=o)
    fn = getattr(pt, name)
    return lambda: fn(x, out=o)


def run(bench, sizes=SIZES, threads=(1, 2), dtype=np.float32, ops=OPS):
    rng = np.random.default_rng(0)
    for n in sizes:
        x = rng.standard_normal((n, n)).astype(dtype)
        o = np.empty_like(x)
        tx = torch.from_numpy(x) if torch is not None else None
        to = torch.empty_like(tx) if torch is not None else None
        for name in ops:
            axes = (-1, 0) if name in ("softmax", "log_softmax") else (None,)
            for axis in axes:
                case = "elementwise" if axis is None else f"axis {axis}"
                for t in threads:
                    bench.compare("activation", name, case, x.shape, dtype, t, {
                        OURS: _ours(name, x, o, axis),
                        "numpy": _numpy(name, x, o, axis),
                        "torch": _torch(name, tx, to, axis),
                    }, bytes_moved=2 * x.nbytes)
