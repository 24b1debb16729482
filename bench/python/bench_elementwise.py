"""Elementwise ops against NumPy and PyTorch CPU: every op into an existing `out` at the
standard sizes (pow also with one scalar exponent: 3, -2, 1.7), then strided, transposed and
broadcast inputs against the contiguous case.
"""

import numpy as np

import pyperf_tensor as pt
from harness import OURS, torch

SIZES = (100, 500, 1000, 4000)


def _numpy_fma(a, b, c, out):
    np.multiply(a, b, out=out)
    return np.add(out, c, out=out)


# name: (arity, numpy(args..., out), torch(args..., out) or None, passes over memory)
OPS = {
    "add": (2, lambda a, b, o: np.add(a, b, out=o), lambda a, b, o: torch.add(a, b, out=o)),
    "sub": (2, lambda a, b, o: np.subtract(a, b, out=o), lambda a, b, o: torch.sub(a, b, out=o)),
    "mul": (2, lambda a, b, o: np.multiply(a, b, out=o), lambda a, b, o: torch.mul(a, b, out=o)),
    "div": (2, lambda a, b, o: np.divide(a, b, out=o), lambda a, b, o: torch.div(a, b, out=o)),
    "maximum": (2, lambda a, b, o: np.maximum(a, b, out=o), lambda a, b, o: torch.maximum(a, b, out=o)),
    "minimum": (2, lambda a, b, o: np.minimum(a, b, out=o), lambda a, b, o: torch.minimum(a, b, out=o)),
    "pow": (2, lambda a, b, o: np.power(a, b, out=o), lambda a, b, o: torch.pow(a, b, out=o)),
    "neg": (1, lambda a, o: np.negative(a, out=o), lambda a, o: torch.neg(a, out=o)),
    "abs": (1, lambda a, o: np.abs(a, out=o), lambda a, o: torch.abs(a, out=o)),
    "sqrt": (1, lambda a, o: np.sqrt(a, out=o), lambda a, o: torch.sqrt(a, out=o)),
    "exp": (1, lambda a, o: np.exp(a, out=o), lambda a, o: torch.exp(a, out=o)),
    "log": (1, lambda a, o: np.log(a, out=o), lambda a, o: torch.log(a, out=o)),
    "square": (1, lambda a, o: np.square(a, out=o), lambda a, o: torch.square(a, out=o)),
    "reciprocal": (1, lambda a, o: np.reciprocal(a, out=o), lambda a, o: torch.reciprocal(a, out=o)),
    "fma": (3, _numpy_fma, lambda a, b, c, o: torch.addcmul(c, a, b, out=o)),
    "clip": (3, lambda x, lo, hi, o: np.clip(x, lo, hi, out=o), lambda x, lo, hi, o: torch.clamp(x, lo, hi, out=o)),
}
MEMORY_BOUND = ("add", "sub", "mul", "div", "maximum", "minimum", "neg", "abs", "clip", "fma", "square")


def _inputs(name, n, m, rng, dtype):
    """Positive values (valid for sqrt/log/pow), clip bounds as scalars."""
    arity = OPS[name][0]
    x = (rng.random((n, m)) + 0.5).astype(dtype)
    if name == "clip":
        return [x, dtype(0.7), dtype(1.2)]
    return [x] + [(rng.random((n, m)) + 0.5).astype(dtype) for _ in range(arity - 1)]


def _compare(bench, name, case, args, out, threads, dtype, contiguous=None):
    arity, np_fn, torch_fn = OPS[name]
    ours = getattr(pt, name)
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    torch_call = None
    # torch gets the same layouts (from_numpy keeps strides); it has no negative strides.
    if torch is not None and torch_fn and all(min(a.strides) >= 0 for a in arrays):
        targs = [torch.from_numpy(a) if isinstance(a, np.ndarray) else float(a) for a in args]
        tout = torch.from_numpy(out)
        torch_call = lambda: torch_fn(*targs, tout)  # noqa: E731
    moved = sum(a.size for a in arrays) * out.itemsize + out.nbytes
    return bench.compare("elementwise", name, case, out.shape, dtype, threads, {
        OURS: lambda: ours(*args, out=out),
        "numpy": lambda: np_fn(*args, out),
        "torch": torch_call,
    }, bytes_moved=moved,
        baseline=None if contiguous is None else ("contiguous", lambda: ours(*contiguous, out=out)))


def run(bench, sizes=SIZES, threads=(1, 2), dtype=np.float32, ops=tuple(OPS), layouts=True):
    rng = np.random.default_rng(0)
    for name in ops:
        for n in sizes:
            args = _inputs(name, n, n, rng, dtype)
            out = np.empty((n, n), dtype)
            for t in threads:
                _compare(bench, name, "into out", args, out, t, dtype)
                # One exponent for the whole array, as x ** 3 is written: whole ones take
                # products (simd::powi), others the general pow.
                for e in (3.0, -2.0, 1.7) if name == "pow" else ():
                    _compare(bench, name, f"exponent {e:g}", [args[0], dtype(e)], out, t, dtype)
    if not layouts:
        return
    # Strided, transposed and broadcast inputs vs the contiguous case, 1000x1000.
    n = 1000
    for name in ops:
        arity = OPS[name][0]
        base = _inputs(name, n, n, rng, dtype)
        wide = (rng.random((n, 2 * n)) + 0.5).astype(dtype)
        cases = {"contiguous": base,
                 "transposed": [np.ascontiguousarray(base[0].T).T] + base[1:],
                 "[:, ::2]": [wide[:, ::2]] + base[1:],
                 "[:, ::-1]": [base[0][:, ::-1]] + base[1:]}
        if arity >= 2 and name != "clip":
            cases["row + matrix"] = [base[0][0]] + base[1:]
        out = np.empty((n, n), dtype)
        for t in threads:
            # Each layout is timed in the same rounds as the contiguous call it is held to.
            for case, args in cases.items():
                row = _compare(bench, name, case, args, out, t, dtype, None if case == "contiguous" else base)
                row.setdefault("vs_contiguous", 1.0)
