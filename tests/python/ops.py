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
    """ulps: 0 (exact), an int, a {dtype: int} dict, or None (fma's own rule). fn/pyname
    for ops that are a variant of a Python function (gelu's approximate='tanh')."""

    def __init__(self, name, numpy, dtypes, ulps=0, fn=None, pyname=None):
        self.name, self.numpy, self.dtypes, self.ulps = name, numpy, dtypes, ulps
        self.fn = fn or getattr(pt, name)
        self.pyname = pyname or name  # the name in its error messages
        self.arity = None  # set below, by list

    def ulps_for(self, dtype):
        return self.ulps.get(np.dtype(dtype).type) if isinstance(self.ulps, dict) else self.ulps

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
    # float32: computed in double (within 1 ULP); float64: libm; NumPy's is SIMD on some CPUs.
    Op("pow", np.power, FLOATS, ulps=4),
]
TERNARY = [
    Op("clip", np.clip, ALL),
    Op("fma", _fma_reference, FLOATS, ulps=None),  # checked with its own tolerance, see check()
]


# Activations against references one precision up (float64 for float32, long double
# for float64), rounded once: what torch.nn.functional computes, without its roundings.
def _wide(f):
    def reference(*args):
        a = [np.asarray(v) for v in args]
        dtype = np.result_type(*a)
        wide = np.float64 if dtype == np.float32 else np.longdouble
        with np.errstate(all="ignore"):
            return np.asarray(f(*[v.astype(wide) for v in a])).astype(dtype)
    return reference


def _gate_limits(x, y):
    """x * gate(x) at +-inf: inf and -0 (the formulas give inf * 0 = nan at -inf)."""
    return np.where(np.isposinf(x), x, np.where(np.isneginf(x), -0.0, y))


def _erfc(z):
    """erfc elementwise: math.erfc for float64, mpmath (30 digits) for long double."""
    import math
    import warnings
    z = np.asarray(z)
    if z.dtype == np.float64:
        return np.asarray(np.frompyfunc(math.erfc, 1, 1)(z), dtype=np.float64)
    import mpmath
    mpmath.mp.dps = 30

    def one(v):
        if np.isnan(v):
            return v
        if abs(v) > 200:  # erfc is 2 or 0 to far beyond long double's precision
            return np.longdouble(2.0 if v < 0 else 0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # results below long double's range become 0
            return np.longdouble(mpmath.nstr(mpmath.erfc(mpmath.mpf(str(v))), 25))
    return np.array([one(v) for v in z.ravel()], dtype=np.longdouble).reshape(z.shape)


def sigmoid_ref(x):
    return 1 / (1 + np.exp(-x))


def silu_ref(x):
    return _gate_limits(x, x / (1 + np.exp(-x)))


def gelu_ref(x):
    return _gate_limits(x, x * _erfc(-x / np.sqrt(x.dtype.type(2))) / 2)


def gelu_tanh_ref(x):
    # 0.5 x (1 + tanh(u)) == x * sigmoid(2u), without 1 + tanh's cancellation for u << 0.
    s = x * (x.dtype.type(1.5957691216057307117597842397375) * (1 + x.dtype.type(0.044715) * x * x))
    return _gate_limits(x, x / (1 + np.exp(-s)))


def relu_ref(x):
    return np.where(x <= 0, np.zeros_like(x), x)


def leaky_relu_ref(x, slope):
    with np.errstate(all="ignore"):
        return np.where(np.asarray(x) > 0, x, np.multiply(x, slope))


ACT_ULPS = {np.float32: 4, np.float64: 4}
ACTIVATIONS = [
    Op("relu", relu_ref, FLOATS),
    Op("sigmoid", _wide(sigmoid_ref), FLOATS, ulps=ACT_ULPS),
    Op("tanh", _wide(np.tanh), FLOATS, ulps=ACT_ULPS),
    Op("silu", _wide(silu_ref), FLOATS, ulps=ACT_ULPS),
    # exact GELU: float32 within 4 ULP with FMA (AVX2, AVX-512), 5 on SSE2, whose emulated
    # fma rounds twice (test_activation checks the 4 on FMA ISAs); float64 within 4.
    Op("gelu", _wide(gelu_ref), FLOATS, ulps={np.float32: 5, np.float64: 4}),
    # float64 tanh-GELU carries its condition number |2u| into the result (x = -20: ~2e4 ULP).
    Op("gelu_tanh", _wide(gelu_tanh_ref), FLOATS, ulps={np.float32: 4, np.float64: 1 << 16},
       fn=lambda x, out=None: pt.gelu(x, "tanh", out=out), pyname="gelu"),
]
ACTIVATIONS_BINARY = [Op("leaky_relu", leaky_relu_ref, FLOATS)]

for op in UNARY + ACTIVATIONS:
    op.arity = 1
for op in BINARY + ACTIVATIONS_BINARY:
    op.arity = 2
for op in TERNARY:
    op.arity = 3
OPS = UNARY + BINARY + TERNARY + ACTIVATIONS + ACTIVATIONS_BINARY


def check(op, got, args):
    """Asserts `got` is NumPy's answer for op(*args) within the op's tolerance."""
    with np.errstate(all="ignore"):
        want = np.asarray(op.numpy(*args))
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape
    if want.dtype != got.dtype:  # NumPy promotes Python-scalar-only calls differently
        with np.errstate(over="ignore"):  # a float64 reference beyond float32's range is inf
            want = want.astype(got.dtype)
    if op.name == "pow" and want.ndim:
        # NumPy is inconsistent for (-inf) ** y, y not an integer: its SIMD loops give NaN,
        # its 1-element path the C99 value (+inf for y > 0, +0 for y < 0), which we give.
        x, y = (np.broadcast_to(np.asarray(a, dtype=got.dtype), want.shape) for a in args)
        with np.errstate(all="ignore"):
            c99 = np.isneginf(x) & np.isfinite(y) & (y != np.floor(y))
        want = np.where(c99, np.where(y > 0, np.inf, 0.0).astype(got.dtype), want)
    ulps = op.ulps_for(got.dtype)
    if got.dtype.kind != "f" or ulps == 0:
        np.testing.assert_array_equal(got, want)
    elif ulps is None:  # fma: fused or not, within a rounding of the larger term
        with np.errstate(all="ignore"):
            scale = np.maximum(np.abs(np.multiply(args[0], args[1])), np.abs(np.asarray(args[2], dtype=got.dtype)))
            tol = 2 * np.spacing(scale.astype(got.dtype))
            ok = (np.abs(got - want) <= tol) | (got == want) | (np.isnan(got) & np.isnan(want)) | ~np.isfinite(want)
        assert ok.all(), (got[~ok], want[~ok])
    else:
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[~finite], want[~finite])
        dist = ulp_distance(got[finite], want[finite])
        assert dist.size == 0 or dist.max() <= ulps, (dist.max(), got[finite][dist.argmax()], want[finite][dist.argmax()])
