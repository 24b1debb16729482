"""The elementwise ops under test: NumPy reference, dtypes, and how exact the match must be."""

import numpy as np

import pyperf_tensor as pt

FLOATS = (np.float32, np.float64)
ALL = (np.float32, np.float64, np.int32, np.int64)


def ulp_distance(a, b):
    """ULPs between a and b elementwise (inf where one is nan and the other not)."""
    a, b = np.asarray(a), np.asarray(b)
    ints = {4: np.int32, 8: np.int64}[a.dtype.itemsize]
    ia, ib = a.view(ints).astype(np.int64), b.view(ints).astype(np.int64)
    # Map the sign-magnitude float ordering onto a monotone integer line.
    top = np.int64(1) << (a.dtype.itemsize * 8 - 1)
    ia = np.where(ia < 0, -(ia + top), ia)
    ib = np.where(ib < 0, -(ib + top), ib)
    dist = np.abs(ia - ib).astype(np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    dist[nan_a & nan_b] = 0
    dist[nan_a ^ nan_b] = np.inf
    return dist


def _fma_reference(a, b, c):
    return np.multiply(a, b) + c


class Op:
    def __init__(self, name, numpy, dtypes, ulps=0):
        self.name, self.numpy, self.dtypes, self.ulps = name, numpy, dtypes, ulps
        self.fn = getattr(pt, name)
        self.arity = None  # set below, by list

    def __repr__(self):
        return self.name


UNARY = [
    Op("neg", np.negative, ALL), Op("abs", np.abs, ALL), Op("sqrt", np.sqrt, FLOATS),
    # NumPy's own exp/log are SIMD approximations too: allow a few ULPs between the two
    # (accuracy against correctly rounded references is checked on NumPy's validation sets).
    Op("exp", np.exp, FLOATS, ulps=4), Op("log", np.log, FLOATS, ulps=4),
    Op("square", np.square, ALL), Op("reciprocal", np.reciprocal, FLOATS),
]
BINARY = [
    Op("add", np.add, ALL), Op("sub", np.subtract, ALL), Op("mul", np.multiply, ALL), Op("div", np.divide, FLOATS),
    Op("maximum", np.maximum, ALL), Op("minimum", np.minimum, ALL),
    # libm pow per element vs NumPy's (SIMD on some CPUs) pow.
    Op("pow", np.power, FLOATS, ulps=4),
]
TERNARY = [
    Op("clip", np.clip, ALL),
    Op("fma", _fma_reference, FLOATS, ulps=None),  # checked with its own tolerance, see check()
]
for op in UNARY:
    op.arity = 1
for op in BINARY:
    op.arity = 2
for op in TERNARY:
    op.arity = 3
OPS = UNARY + BINARY + TERNARY


def check(op, got, args):
    """Asserts `got` is NumPy's answer for op(*args) within the op's tolerance."""
    with np.errstate(all="ignore"):
        want = np.asarray(op.numpy(*args))
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape
    if want.dtype != got.dtype:  # NumPy promotes Python-scalar-only calls differently
        want = want.astype(got.dtype)
    if op.name == "pow" and want.ndim:
        # NumPy is inconsistent for (-inf) ** y, y not an integer: its SIMD loops give NaN,
        # its 1-element path the C99 value (+inf for y > 0, +0 for y < 0), which we give.
        x, y = (np.broadcast_to(np.asarray(a, dtype=got.dtype), want.shape) for a in args)
        with np.errstate(all="ignore"):
            c99 = np.isneginf(x) & np.isfinite(y) & (y != np.floor(y))
        want = np.where(c99, np.where(y > 0, np.inf, 0.0).astype(got.dtype), want)
    if got.dtype.kind != "f" or op.ulps == 0:
        np.testing.assert_array_equal(got, want)
    elif op.ulps is None:  # fma: fused or not, within a rounding of the larger term
        with np.errstate(all="ignore"):
            scale = np.maximum(np.abs(np.multiply(args[0], args[1])), np.abs(np.asarray(args[2], dtype=got.dtype)))
            tol = 2 * np.spacing(scale.astype(got.dtype))
            ok = (np.abs(got - want) <= tol) | (got == want) | (np.isnan(got) & np.isnan(want)) | ~np.isfinite(want)
        assert ok.all(), (got[~ok], want[~ok])
    else:
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[~finite], want[~finite])
        dist = ulp_distance(got[finite], want[finite])
        assert dist.size == 0 or dist.max() <= op.ulps, dist.max()
