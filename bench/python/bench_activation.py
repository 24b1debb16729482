"""Activations against PyTorch CPU (torch.nn.functional), the usual NumPy formulations and
Numba (@njit(parallel=True) loops over rows, as one would write them; when installed),
float32 matrices at the standard sizes, 1 and 2 threads, softmax / log_softmax along axis -1
and axis 0, over short rows (a (100000, 10) batch), over one long row (2^17 and 2^20
logits), along axis -1 under a causal mask (the upper triangle -1e9, as attention masks are
written: half the exponentials underflow, held to the unmasked time in the same rounds), on
inputs spread over ±1000 and, for softmax, on logits 20 times as wide (both held to the
ordinary inputs' time). Ours and NumPy write into a preallocated out; torch's functional API
allocates (its caching allocator makes that cheap), except sigmoid/tanh which take out=."""

import math

import numpy as np

from harness import OURS, torch
import pyperf_tensor as pt

try:
    import numba
except ImportError:  # the Numba column stays empty
    numba = None

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


_NUMBA = {}


def _numba_kernels():
    """The activations as Numba users write them: a prange over rows, math per element."""
    if _NUMBA or numba is None:
        return _NUMBA
    njit, prange = numba.njit(parallel=True, fastmath=False, cache=False), numba.prange

    def pointwise(f):
        f = numba.njit(f)

        def run(x, o):
            for i in prange(x.shape[0]):
                for j in range(x.shape[1]):
                    o[i, j] = f(x[i, j])
        return njit(run)

    _NUMBA.update(
        relu=pointwise(lambda v: v if v > 0 else np.float32(0)),
        leaky_relu=pointwise(lambda v: v if v > 0 else v * np.float32(0.01)),
        sigmoid=pointwise(lambda v: np.float32(1) / (np.float32(1) + math.exp(-v))),
        tanh=pointwise(lambda v: math.tanh(v)),
        gelu=pointwise(lambda v: np.float32(0.5) * v * (np.float32(1) + math.erf(v * np.float32(0.7071067811865476)))),
        gelu_tanh=pointwise(lambda v: np.float32(0.5) * v * (np.float32(1) + math.tanh(
            np.float32(0.7978845608) * (v + np.float32(0.044715) * v * v * v)))),
        silu=pointwise(lambda v: v / (np.float32(1) + math.exp(-v))),
    )

    def softmax_rows(x, o, log):
        for i in prange(x.shape[0]):
            m = x[i, 0]
            for j in range(x.shape[1]):
                m = max(m, x[i, j])
            s = np.float32(0)
            for j in range(x.shape[1]):
                e = math.exp(x[i, j] - m)
                s += e
                if not log:
                    o[i, j] = e
            for j in range(x.shape[1]):
                o[i, j] = x[i, j] - m - math.log(s) if log else o[i, j] / s

    def softmax_cols(x, o, log):  # along axis 0: per-column state, rows streamed
        m, s = x[0].copy(), np.zeros(x.shape[1], x.dtype)
        for i in range(x.shape[0]):
            for j in prange(x.shape[1]):
                m[j] = max(m[j], x[i, j])
        for i in range(x.shape[0]):
            for j in prange(x.shape[1]):
                e = math.exp(x[i, j] - m[j])
                s[j] += e
                if not log:
                    o[i, j] = e
        for i in range(x.shape[0]):
            for j in prange(x.shape[1]):
                o[i, j] = x[i, j] - m[j] - math.log(s[j]) if log else o[i, j] / s[j]

    _NUMBA.update(softmax_rows=njit(softmax_rows), softmax_cols=njit(softmax_cols))
    return _NUMBA


def _numba(name, x, o, axis):
    k = _numba_kernels()
    if not k:
        return None
    if name in ("softmax", "log_softmax"):
        f, log = k["softmax_rows" if axis == -1 else "softmax_cols"], name == "log_softmax"
        return lambda: f(x, o, log)
    f = k[name]
    return lambda: f(x, o)


def _ours(name, x, o, axis):
    if name == "gelu_tanh":
        return lambda: pt.gelu(x, "tanh", out=o)
    if name in ("softmax", "log_softmax"):
        fn = getattr(pt, name)
        return lambda: fn(x, axis, out=o)
    fn = getattr(pt, name)
    return lambda: fn(x, out=o)


# Softmax over a few classes for a large batch: short rows, where per-row work dominates.
SHORT_ROWS = (100_000, 10)
# Softmax over one long slice (a vocabulary's logits): one row, which our pool splits.
LONG_ROWS = (1 << 17, 1 << 20)


def _compare(bench, name, case, x, axis, threads, dtype, baseline=None):
    o = np.empty_like(x)
    tx = torch.from_numpy(x) if torch is not None else None
    to = torch.empty_like(tx) if torch is not None else None
    for t in threads:
        bench.compare("activation", name, case, x.shape, dtype, t, {
            OURS: _ours(name, x, o, axis),
            "numpy": _numpy(name, x, o, axis),
            "torch": _torch(name, tx, to, axis),
            "numba": _numba(name, x, o, axis),
        }, bytes_moved=2 * x.nbytes,
            # softmax along axis 0 is held to axis -1's time, measured in the same rounds
            baseline=("axis -1", _ours(name, x, o, -1)) if axis == 0 and baseline is None else baseline)


def run(bench, sizes=SIZES, threads=(1, 2), dtype=np.float32, ops=OPS):
    rng = np.random.default_rng(0)
    for n in sizes:
        x = rng.standard_normal((n, n)).astype(dtype)
        for name in ops:
            axes = (-1, 0) if name in ("softmax", "log_softmax") else (None,)
            for axis in axes:
                _compare(bench, name, "elementwise" if axis is None else f"axis {axis}", x, axis, threads, dtype)
        # Inputs far out (large logits, scores): most lanes overflow or underflow exp
        far = rng.uniform(-1000, 1000, (n, n)).astype(dtype)
        with np.errstate(over="ignore"):  # the NumPy formulas' exp(-x) overflows to inf, as intended
            for name in ops:
                if name not in ("relu", "leaky_relu", "tanh", "log_softmax"):
                    axis = -1 if name == "softmax" else None
                    ordinary = _ours(name, x, np.empty_like(x), axis)
                    _compare(bench, name, "inputs in ±1000", far, axis, threads, dtype, baseline=("ordinary", ordinary))
        # Logits of standard deviation 20 (unscaled attention scores, say): a tenth of the
        # float32 results lie below the normal range
        wide = (x * 20).astype(dtype)
        for name in ops:
            if name == "softmax":
                for axis in (-1, 0):
                    ordinary = _ours(name, x, np.empty_like(x), axis)
                    _compare(bench, name, f"logits x20, axis {axis}", wide, axis, threads, dtype,
                             baseline=("ordinary", ordinary))
        masked = x.copy()
        masked[np.triu_indices(n, 1)] = -1e9
        for name in ops:
            if name in ("softmax", "log_softmax"):
                unmasked = _ours(name, x, np.empty_like(x), -1)
                _compare(bench, name, "causal mask", masked, -1, threads, dtype, baseline=("unmasked", unmasked))
    x = rng.standard_normal(SHORT_ROWS).astype(dtype)
    for name in ops:
        if name in ("softmax", "log_softmax"):
            _compare(bench, name, f"rows of {SHORT_ROWS[1]}", x, -1, threads, dtype)
    for n in LONG_ROWS:
        x = (rng.standard_normal((1, n)) * 3).astype(dtype)
        for name in ops:
            if name in ("softmax", "log_softmax"):
                _compare(bench, name, f"one row of {n}", x, -1, threads, dtype)
