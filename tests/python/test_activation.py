"""Activations: dense accuracy sweeps against wide references, softmax / log_softmax on every
axis and layout against float64 / long double formulas, numerical safety, errors; on every ISA.
(The pointwise activations also run through every test of test_elementwise.py: see ops.py.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pyperf_tensor as pt
from ops import ACTIVATIONS, ulp_distance
from strategies import strided_arrays

POINTWISE = {op.name: op for op in ACTIVATIONS}


def float32_sweep(step=4093):
    """Every step-th float32 bit pattern, both signs: all binades from subnormals to the
    largest finite values, so saturation and underflow regions are all visited."""
    bits = np.arange(0, 0x7F800000, step, dtype=np.uint32)
    pos = bits.view(np.float32)
    return np.concatenate([pos, -pos])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "silu", "gelu", "gelu_tanh", "relu"])
def test_float32_dense_sweep_within_the_ulp_bound(isa, name):
    op = POINTWISE[name]
    x = float32_sweep()
    # a dense linear sweep of the interesting range too
    x = np.concatenate([x, np.linspace(-120, 120, 240_001, dtype=np.float32),
                        np.linspace(-12, 12, 400_001, dtype=np.float32)])
    got = op.fn(x)
    want = op.numpy(x)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    dist = ulp_distance(got[finite], want[finite])
    worst = int(np.argmax(dist))
    bound = 4 if name == "gelu" and isa != "sse2" else op.ulps_for(np.float32)  # see ops.py
    assert dist.max() <= bound, (x[finite][worst], got[finite][worst], want[finite][worst])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "silu", "gelu_tanh", "relu"])
def test_float64_sweep_within_the_ulp_bound(isa, name):
    op = POINTWISE[name]
    x = np.concatenate([np.linspace(-800, 800, 16_001), np.geomspace(1e-310, 1e300, 2_000)])
    x = np.concatenate([x, -x])
    got, want = op.fn(x), op.numpy(x)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    assert ulp_distance(got[finite], want[finite]).max() <= op.ulps_for(np.float64)


def test_float64_gelu_sweep(isa):
    op = POINTWISE["gelu"]
    x = np.concatenate([np.linspace(-40, 12, 2_601), np.linspace(-10.5, 1, 3_001),
                        [0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 5e-324, -5e-324]])
    got, want = op.fn(x), op.numpy(x)
    assert ulp_distance(got, want).max() <= op.ulps_for(np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["tanh", "silu", "gelu", "gelu_tanh"])
def test_results_rounding_to_zero_keep_the_sign_of_x(isa, name, dtype):
    """f(-0) = -0 and f(+0) = +0 for the activations that are odd at 0 (as PyTorch and the
    NumPy formulas give), and a negative input whose result rounds to 0 gives -0."""
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.array([-0.0, 0.0, -tiny, tiny], dtype)
    got = POINTWISE[name].fn(x)
    np.testing.assert_array_equal(np.signbit(got), [True, False, True, False])
    assert np.all(np.abs(got) <= tiny)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_and_nan_stays_nan(isa, dtype):
    big = np.array([-1e4, -1e3, -100, 100, 1e3, 1e4], dtype)
    with np.errstate(all="ignore"):
        for name in ["sigmoid", "silu", "tanh", "gelu", "gelu_tanh", "relu"]:
            op = POINTWISE[name]
            assert np.isfinite(op.fn(big)).all(), name
            assert np.isnan(op.fn(np.array([np.nan], dtype))).all(), name
        # sigmoid(-100) is exp(-100) (1 + exp(-100) rounds to 1): float32 takes it from exp
        # (below -88 exp(100) overflows), float64 as 1 / (1 + exp(100)), within its bound
        sigmoid = POINTWISE["sigmoid"]
        want = np.array([0, 0, np.exp(dtype(-100)), 1, 1, 1], dtype)
        bound = 0 if dtype == np.float32 else sigmoid.ulps_for(dtype)
        assert ulp_distance(pt.sigmoid(big), want).max() <= bound
        # either side of where exp(-x) overflows: 1 / (1 + exp(-x)) above, exp(x) below
        edge = np.array([-88.0, -88.000008, -87.99999, -88.72284, -88.72283,
                         -709.0, -709.0000000001, -708.9999999], dtype)
        assert ulp_distance(pt.sigmoid(edge), sigmoid.numpy(edge)).max() <= sigmoid.ulps_for(dtype)
        np.testing.assert_array_equal(pt.silu(np.array([-np.inf, np.inf], dtype)), [-0.0, np.inf])
        np.testing.assert_array_equal(pt.gelu(np.array([-np.inf, np.inf], dtype)), [-0.0, np.inf])
        row = np.array([[1e4, -1e4, 0.0, 1e4]], dtype)
        np.testing.assert_allclose(pt.softmax(row), [[0.5, 0, 0, 0.5]])
        np.testing.assert_allclose(pt.log_softmax(row), [[-np.log(2), -2e4 - np.log(2), -1e4 - np.log(2), -np.log(2)]])
        assert np.isnan(pt.softmax(np.array([1, np.nan, 2], dtype))).all()
        assert np.isnan(pt.log_softmax(np.array([1, np.nan, 2], dtype))).all()


def test_leaky_relu_slope_and_defaults():
    x = np.array([-2.0, -0.0, 0.0, 3.0, np.nan], np.float32)
    np.testing.assert_array_equal(pt.leaky_relu(x), np.where(x > 0, x, x * np.float32(0.01)))
    np.testing.assert_array_equal(pt.leaky_relu(x, 0.5), [-1.0, -0.0, 0.0, 3.0, np.nan])
    np.testing.assert_array_equal(pt.leaky_relu(x, negative_slope=0), [-0.0, -0.0, 0.0, 3.0, np.nan])
    slopes = np.array([[0.1], [0.2]], np.float32)  # per-row slopes broadcast (PReLU)
    np.testing.assert_allclose(pt.leaky_relu(np.full((2, 3), -1, np.float32), slopes), -slopes * np.ones((1, 3)))
    assert pt.leaky_relu(x).dtype == np.float32


# --- softmax / log_softmax -------------------------------------------------------------

def softmax_ref(x, axis, log):
    """The formula in one precision up (long double for float64), rounded once."""
    wide = np.float64 if x.dtype == np.float32 else np.longdouble
    if x.size == 0:
        return np.empty_like(x)
    w = np.asarray(x, dtype=wide)
    if w.ndim == 0:
        w = w.reshape(1)
        axis = 0
    with np.errstate(all="ignore"):
        m = np.max(w, axis=axis, keepdims=True)
        d = w - m
        s = np.sum(np.exp(d), axis=axis, keepdims=True)
        # log(s) as log1p of s - 1, summed without the maximum's terms (ties: their count - 1)
        ties = np.sum(d == 0, axis=axis, keepdims=True)
        rest = np.sum(np.where(d == 0, 0, np.exp(d)), axis=axis, keepdims=True) + (ties - 1)
        r = d - np.log1p(rest) if log else np.exp(d) / s
    return r.astype(x.dtype).reshape(np.shape(x))


def check_softmax(got, x, axis, log):
    # float32 sums are kept in float64: 4 ULP. float64 has nothing wider to sum in (and
    # xsimd's double exp): 16.
    ulps = 4 if x.dtype == np.float32 else 16
    want = softmax_ref(x, axis, log)
    assert got.shape == want.shape and got.dtype == want.dtype
    finite = np.isfinite(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    dist = ulp_distance(got[finite], want[finite])
    # log_softmax values near 0 are differences of rounded terms: allow an absolute slack too
    if log and dist.size:
        close = np.abs(got[finite] - want[finite]) <= 4 * np.finfo(x.dtype).eps * np.maximum(1, np.abs(want[finite]))
        dist = np.where(close, 0, dist)
    assert dist.size == 0 or dist.max() <= ulps, (dist.max(), got[finite][dist.argmax()], want[finite][dist.argmax()])


@st.composite
def softmax_problems(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    nd = len(shape)
    axis = draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
    scale = draw(st.sampled_from([1.0, 30.0, 1e4]))
    base = draw(strided_arrays(dtype, shape))
    x = np.asarray(base)
    # finite values of a chosen scale, with some -inf (masks) and, rarely, nan / inf
    values = draw(hnp.arrays(dtype, x.shape, elements=st.floats(-1, 1, width=np.dtype(dtype).itemsize * 8)))
    if x.ndim:
        x[...] = values * dtype(scale)
        if draw(st.booleans()):
            x[...] = np.where(values > 0.8, -np.inf, x)
        if draw(st.integers(0, 9)) == 0:
            x[...] = np.where(values < -0.95, draw(st.sampled_from([np.nan, np.inf])), x)
    return x, axis, draw(st.booleans())


@settings(max_examples=60)
@given(problem=softmax_problems(), use_out=st.sampled_from(["no", "out", "in place"]), data=st.data())
def test_softmax_matches_the_formula(isa, problem, use_out, data):
    x, axis, log = problem
    fn = pt.log_softmax if log else pt.softmax
    if use_out == "out" and np.ndim(x):
        out = data.draw(strided_arrays(x.dtype, x.shape), label="out")
        assert fn(x, axis, out=out) is out
        got = out
    elif use_out == "in place" and np.ndim(x):
        # (against the formula: a copy of x in another layout may take another kernel,
        # whose bits may differ by an ULP)
        before = np.array(x)
        assert fn(x, axis, out=x) is x
        got, x = x, before
    else:
        got = fn(x, axis=axis)
    check_softmax(np.asarray(got), np.asarray(x), axis, log)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["c", "transposed", "strided", "reversed"])
def test_softmax_every_axis_of_larger_arrays(isa, log, dtype, layout):
    rng = np.random.default_rng(7)
    base = (rng.standard_normal((37, 530, 3)) * 8).astype(dtype)
    x = {"c": base, "transposed": base.transpose(2, 0, 1), "strided": base[:, ::3, :],
         "reversed": base[::-1, :, ::-1]}[layout]
    fn = pt.log_softmax if log else pt.softmax
    for axis in range(-x.ndim, x.ndim):
        check_softmax(fn(x, axis), x, axis, log)


@pytest.mark.parametrize("log", [False, True])
def test_softmax_in_place_and_aliasing(isa, log):
    rng = np.random.default_rng(3)
    fn = pt.log_softmax if log else pt.softmax
    for axis in (0, 1):
        x = rng.standard_normal((70, 90)).astype(np.float32)
        x[:, 7] *= 100  # slices beyond +-64 and under a mask: x must be read again
        x[20, :] *= 100
        x[30:, 50] = -1e9
        want = softmax_ref(x, axis, log)
        y = x.copy()
        assert fn(y, axis, out=y) is y  # identical aliasing is in place
        check_softmax(y, x, axis, log)
        np.testing.assert_array_equal(y, fn(x, axis))
        # a partially overlapping out gives the answer of an independent copy
        buf = np.concatenate([x.ravel(), np.zeros(10, np.float32)])
        src = buf[:x.size].reshape(x.shape)
        dst = buf[5:5 + x.size].reshape(x.shape)
        fn(src, axis, out=dst)
        np.testing.assert_array_equal(dst, fn(x, axis))
        del want
    long = (rng.standard_normal(200_001) * 100).astype(np.float32)  # one slice the pool splits
    y = long.copy()
    fn(y, out=y)
    np.testing.assert_array_equal(y, fn(long))
    check_softmax(y, long, -1, log)


def test_softmax_wide_rows_stay_accurate(isa):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((3, 20_000)) * 3).astype(np.float32)
    check_softmax(pt.softmax(x), x, -1, False)
    check_softmax(pt.softmax(x.T.copy(), 0), x.T, 0, False)
    check_softmax(pt.log_softmax(x), x, -1, True)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("n", [1, 2, 5, 8, 9, 15, 16, 17, 31, 32, 33, 50, 64, 65, 100, 1000])
def test_softmax_rows_of_every_kind_in_one_call(isa, log, n):
    # Rows are software-pipelined (row c's exponentials, row c+1's scan and row c-1's
    # results in one sweep), short ones transposed W at a time: neighbours of every kind
    # must not leak into each other.
    rng = np.random.default_rng(n)
    fn = pt.log_softmax if log else pt.softmax
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((40, 2 * n)).astype(dtype)
        x[1::5] *= 100  # |x| > 64: shifted by the maximum
        x[2::7, ::3] = -np.inf  # masked
        x[3::11, n // 2] = np.nan
        x[4::13, 0] = np.inf
        x[6::9] = 0  # all equal
        x[8::10] = x[8::10] * 1e-30
        for v in (x, x[:, ::2], x[::-1, ::-1]):
            got = fn(v)
            check_softmax(got, v, -1, log)
            # a block of rows gives the bits of its rows taken alone
            np.testing.assert_array_equal(got[7:9], fn(v[7:9]))
            np.testing.assert_array_equal(got[1:2], fn(v[1:2]))
        # slices side by side (vectorised across them): shifted neighbours change nothing
        t = x.T.copy().T
        got = fn(t)
        check_softmax(got, t, -1, log)
        part = t[6:9]
        np.testing.assert_array_equal(got[6:9], fn(part, out=np.empty_like(part)))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_along_an_outer_axis_with_some_slices_out_of_range(isa, log):
    # Along axis 0 the slices are side by side, taken 4 registers at a time; softmax first
    # takes the exponentials unshifted and redoes a strip, shifted, when a slice leaves
    # [-64, 64]: the others keep their bits (those of the same slices taken 16 at a time).
    rng = np.random.default_rng(17)
    fn = pt.log_softmax if log else pt.softmax
    for dtype in (np.float32, np.float64):
        x = (rng.standard_normal((300, 200)) * 3).astype(dtype)
        x[:, 70] *= 100  # a whole slice beyond 64
        x[5, 130] = 1e4  # one element
        x[7, 150] = -np.inf
        x[9, 20] = np.nan
        got = fn(x, 0)
        check_softmax(got, x, 0, log)
        for j in (0, 16, 64, 128, 144):
            np.testing.assert_array_equal(got[:, j:j + 16], fn(x[:, j:j + 16], 0))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_of_logits_spread_into_the_subnormals(isa, log):
    # Logits spread so widely that many float32 results lie below the normal range, where
    # an Intel core takes a microcode assist for a multiply; those results are rounded
    # apart, from whole numbers. Rows shifted by their maximum or not, under a mask, short
    # rows, strips along axis 0 (far out first and between ordinary ones, where a strip
    # finds its bounds before its exponentials), one long slice: the formula's values, and
    # a block of slices taken alone gives the same bits.
    rng = np.random.default_rng(23)
    fn = pt.log_softmax if log else pt.softmax
    for dtype in (np.float32, np.float64):
        z = rng.standard_normal((300, 320))
        x = np.empty((300, 320), dtype)
        x[:, :64] = rng.uniform(-1000, 1000, (300, 64))
        x[:, 64:128] = z[:, 64:128] * 3
        x[:, 128:192] = z[:, 128:192] * 20 + np.linspace(0, 160, 64)
        x[:, 192:256] = np.where(np.triu(np.ones((300, 64), bool), 1), -1e9, z[:, 192:256] * 20)
        x[:, 256:] = z[:, 256:] * 100
        x[7, 70], x[9, 70] = -200, np.nan  # NaN beside a value far below: the column is NaN
        got = fn(x, 0)
        check_softmax(got, x, 0, log)
        for j in range(0, 320, 64):
            np.testing.assert_array_equal(got[:, j:j + 64], fn(x[:, j:j + 64], 0))
        got = fn(x, 1)
        check_softmax(got, x, 1, log)
        np.testing.assert_array_equal(got[100:140], fn(x[100:140]))
        short = x[:, 128:148]  # rows of 20: the tile kernel
        check_softmax(fn(short), short, -1, log)
        long = (rng.standard_normal(200_001) * 20).astype(dtype)  # one slice the pool splits
        check_softmax(fn(long), long, -1, log)


def test_softmax_sums_to_one_and_is_shift_invariant(isa):
    rng = np.random.default_rng(5)
    # multiples of 2**-10: x + 128 is exact, and takes the shifted (max > 64) path
    x = (np.round(rng.standard_normal((64, 1000)) * 1024) / 1024).astype(np.float32)
    for axis in (0, 1):
        s = pt.softmax(x, axis)
        np.testing.assert_allclose(s.sum(axis=axis, dtype=np.float64), 1.0, rtol=1e-6)
        shifted = pt.softmax(x + np.float32(128), axis)
        assert ulp_distance(shifted, s).max() <= 4


def test_same_bits_for_any_thread_count(threads):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((300, 700)) * 5).astype(np.float32)
    results = {}
    for n in (1, 2, 3):
        threads(n)
        results[n] = [pt.softmax(x, 0), pt.softmax(x, 1), pt.log_softmax(x, 0), pt.gelu(x), pt.tanh(x)]
    for n in (2, 3):
        for a, b in zip(results[1], results[n]):
            assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("log", [False, True])
def test_one_long_slice_is_split_over_the_pool_with_the_same_bits(isa, threads, log):
    # A vector, a single row, or axis=None over a matrix: one slice, cut into pieces the
    # pool takes from 2**16 elements; its bits do not depend on the thread count.
    rng = np.random.default_rng(23)
    fn = pt.log_softmax if log else pt.softmax
    for dtype in (np.float32, np.float64):
        v = (rng.standard_normal(200_003) * 4).astype(dtype)
        far = v * 300  # beyond 64: shifted by the maximum
        masked = v.copy()
        masked[rng.random(v.size) < 0.5] = -np.inf
        for x, axis in [(v, -1), (far, 0), (masked, None), (v[None, :], -1), (v[:-3].reshape(400, 500), None),
                        (far[::3], -1), (v[::-1], None)]:
            results = []
            for n in (1, 2, 3):
                threads(n)
                results.append(fn(x, axis))
            check_softmax(results[0], x, axis, log)
            for r in results[1:]:
                assert r.tobytes() == results[0].tobytes()
        y = v.copy()
        assert fn(y, out=y) is y  # in place
        np.testing.assert_array_equal(y, fn(v))
        v[150_000] = np.nan  # one NaN: a NaN slice
        assert np.isnan(fn(v)).all()


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_over_the_whole_array(isa, log, dtype):
    # axis=None (or every axis listed) is SciPy's softmax over all elements, for any pair
    # of x and out that each lie at one stride: no copy is ever made to get there.
    fn = pt.log_softmax if log else pt.softmax
    rng = np.random.default_rng(5)
    base = (rng.standard_normal((37, 530)) * 8).astype(dtype)
    cases = [base, base.T, base[::-1, ::-1], base.reshape(-1)[::3], np.broadcast_to(dtype(2), (4, 5)),
             base[:1, :], np.array(dtype(1.5))]
    for x in cases:
        check_softmax(fn(x, axis=None), x, None, log)
        if x.ndim:
            check_softmax(fn(x, tuple(range(x.ndim))[::-1]), x, None, log)
    out = np.empty(2 * base.size, dtype)[::2].reshape(base.shape)  # at a stride of its own
    assert fn(base, None, out=out) is out
    check_softmax(out, base, None, log)
    y = base.copy()
    fn(y, None, out=y)  # in place
    check_softmax(y, base, None, log)
    assert fn(np.empty((0, 3), dtype), None).shape == (0, 3)
    # a transpose's elements lie at one stride; a block's do not, nor does a pair
    # whose output walks the elements in another order than x
    pairs = [(base[:, :100], None), (base, np.empty((37, 600), dtype)[:, :530]), (base, np.empty((530, 37), dtype).T)]
    for x, o in pairs:
        with pytest.raises(ValueError, match=r"axis=None over a \(37, \d+\) array needs x and out each at one stride"):
            fn(x, None, out=o)
    with pytest.raises(ValueError, match="axis must be None or a single axis"):
        fn(np.ones((2, 3, 4), dtype), (0, 2))
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        fn(base, (0, 0))
    np.testing.assert_array_equal(fn(base, (1,)), fn(base, 1))
    np.testing.assert_array_equal(fn(base), fn(base, -1))  # the default stays the last axis


def test_zero_d_and_empty():
    assert pt.softmax(np.float32(3.0)) == 1.0
    assert pt.log_softmax(np.array(2.0)) == 0.0
    assert pt.softmax(np.empty((0, 4), np.float32), 0).shape == (0, 4)
    assert pt.softmax(np.empty((3, 0)), 1).shape == (3, 0)


def test_errors_are_clear():
    x = np.ones((3, 4), np.float32)
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        pt.softmax(x, 2)
    with pytest.raises(np.exceptions.AxisError):
        pt.log_softmax(x, axis=-3)
    with pytest.raises(TypeError, match="axis must be None, an int or a tuple of ints, got float"):
        pt.softmax(x, 1.0)
    with pytest.raises(TypeError, match="approximate must be 'none' or 'tanh'"):
        pt.gelu(x, approximate=None)  # as PyTorch's: None is not a spelling of 'none'
    with pytest.raises(TypeError, match="'negative_slope' must be a numpy.ndarray or a Python int/float, got NoneType"):
        pt.leaky_relu(x, negative_slope=None)
    with pytest.raises(TypeError, match=r"softmax: dtype int32 is not supported \(supported: float32, float64\)"):
        pt.softmax(np.ones(3, np.int32))
    with pytest.raises(TypeError, match=r"softmax: unsupported dtype float16 .*\(supported: float32, float64\)"):
        pt.softmax(np.ones(3, np.float16))
    with pytest.raises(TypeError, match=r"sigmoid: unsupported dtype float16 .*\(supported: float32, float64\)"):
        pt.sigmoid(np.ones(3, np.float16))
    with pytest.raises(ValueError, match="does not match the input shape"):
        pt.softmax(x, out=np.empty((4, 3), np.float32))
    with pytest.raises(TypeError):
        pt.softmax(x, out=np.empty((3, 4), np.float64))
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        pt.gelu(x, approximate="erf")
    with pytest.raises(TypeError, match="sigmoid: dtype int64 is not supported"):
        pt.sigmoid(np.ones(3, np.int64))
    with pytest.raises(TypeError):
        pt.relu([1.0, 2.0])  # lists are not converted behind your back
    with pytest.raises(TypeError, match="mixed|dtype"):
        pt.leaky_relu(x, np.ones(4, np.float64))


def test_out_paths_allocate_nothing():
    import tracemalloc
    x = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    out = np.empty_like(x)
    calls = [lambda: pt.softmax(x, 0, out=out), lambda: pt.softmax(x, out=out), lambda: pt.gelu(x, out=out),
             lambda: pt.sigmoid(x, out=out), lambda: pt.log_softmax(out, out=out)]
    for call in calls:
        call()
        tracemalloc.start()
        call()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 4096
    assert np.shares_memory(pt.tanh(x, out=out), out)
