"""Reductions against NumPy on every ISA: shapes, strides, axes (None, int, negative,
tuples), keepdims, dtypes, NaN placement, out=, edge cases, accuracy, determinism."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pyperf_tensor as pt
from conftest import DTYPES
from strategies import strided_arrays

NUMPY = {"sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
         "argmax": np.argmax, "argmin": np.argmin, "var": np.var, "std": np.std}
EXACT = ("max", "min", "argmax", "argmin")
INT_OPS = ("sum", "prod", "max", "min", "argmax", "argmin", "mean", "var", "std")


def result_dtype(name, dtype):
    dtype = np.dtype(dtype)
    if name in ("argmax", "argmin"):
        return np.dtype(np.int64)
    if dtype.kind == "f" or name in ("max", "min"):
        return dtype
    return np.dtype(np.int64) if name in ("sum", "prod") else np.dtype(np.float64)


def reference(name, x, axis, keepdims, ddof=0):
    """NumPy's answer, computed in float64 for the float ops (ours is at least that accurate)."""
    kw = dict(axis=axis, keepdims=keepdims)
    if name in ("var", "std"):
        kw["ddof"] = ddof
    if name in EXACT or x.dtype.kind == "i" and name in ("sum", "prod"):
        return NUMPY[name](x, **kw)
    with np.errstate(all="ignore"):
        return NUMPY[name](x.astype(np.float64), **kw)


def check(name, got, x, axis=None, keepdims=False, ddof=0):
    want = reference(name, x, axis, keepdims, ddof)
    got = np.asarray(got)
    assert got.dtype == result_dtype(name, x.dtype), (got.dtype, name, x.dtype)
    assert got.shape == np.shape(want)
    if name in EXACT or (x.dtype.kind == "i" and name in ("sum", "prod")):
        np.testing.assert_array_equal(got, want)
        return
    want = np.asarray(want)
    with np.errstate(all="ignore"):
        scale = np.asarray(NUMPY["sum" if name in ("sum", "mean") else "max"](
            np.abs(x.astype(np.float64)), axis=axis, keepdims=keepdims)) if x.size else 0
        if name == "mean" and x.size:
            scale = scale / max(1, x.size // max(1, np.asarray(want).size))
    if name in ("var", "std", "prod"):
        # Absolute slack for a spread near zero: the mean's rounding (the reference's var of
        # ten 1.9s is 4.9e-32, ours the exact 0) and squares below the smallest subnormal,
        # which flush to zero (NumPy's own float32 std of 16 values 7e-34 is 0, as ours).
        tiny = float(np.finfo(got.dtype).smallest_subnormal)
        spread = 4 * float(np.finfo(got.dtype).eps) * float(np.max(scale, initial=0.0))
        atol = {"var": spread ** 2 + 4 * tiny, "std": spread + np.sqrt(4 * tiny)}.get(name, 0.0)
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=1e-5 if got.dtype == np.float32 else 1e-10,
                                   atol=atol, equal_nan=True)
        return
    eps = np.finfo(got.dtype).eps
    err = np.abs(got.astype(np.float64) - want)
    with np.errstate(all="ignore"):  # the result's own rounding (subnormals included)
        ulp = np.spacing(np.abs(want).astype(got.dtype)).astype(np.float64)
    ok = (err <= ulp + 2 * eps * np.abs(want) + 4 * eps * scale * (1 if got.dtype == np.float32 else 8)) \
        | (np.isnan(got) & np.isnan(want)) | (got == want)
    assert ok.all(), (name, got, want)


def axes_for(ndim):
    none = st.just(None)
    if ndim == 0:
        return st.one_of(none, st.just(()))
    single = st.integers(-ndim, ndim - 1)
    many = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(
        lambda l: tuple(a - ndim if i % 2 else a for i, a in enumerate(l)))
    return st.one_of(none, single, many)


@st.composite
def problems(draw, names=tuple(NUMPY), dtypes=DTYPES, bounded=True):
    name = draw(st.sampled_from(names))
    dtype = draw(st.sampled_from([d for d in dtypes if name in INT_OPS or np.dtype(d).kind == "f"]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    x = draw(strided_arrays(dtype, shape))
    x = np.asarray(x)
    if bounded:  # sums of huge values overflow differently in float32 and float64
        if x.dtype.kind == "f":
            x = np.nan_to_num(x, nan=0.5, posinf=3.0, neginf=-2.0)
            x = np.clip(x, -1e6, 1e6).astype(dtype)
        elif name == "prod":
            x = (x % 7).astype(dtype)
        if name == "prod" and x.dtype.kind == "f":
            # Factors near 1 (and zeros): no partial product over- or underflows in any
            # order (2401 factors of 1.03 stay below float32's max), so the result does not
            # depend on the order of the multiplications.
            x = np.where(x == 0, 0, 1 + np.clip(x, -1, 1) * 0.03).astype(dtype)
        if name in ("var", "std", "mean") and x.dtype.kind == "i":
            x = (x % 1000).astype(dtype)
    axis = draw(axes_for(x.ndim)) if name not in ("argmax", "argmin") else \
        draw(st.one_of(st.just(None), st.integers(-x.ndim, x.ndim - 1))) if x.ndim else None
    keepdims = draw(st.booleans())
    return name, x, axis, keepdims


@settings(max_examples=200)
@given(problems())
def test_matches_numpy(isa, problem):
    name, x, axis, keepdims = problem
    fn = getattr(pt, name)
    try:
        with np.errstate(all="ignore"), _quiet():
            reference(name, x, axis, keepdims)
    except ValueError:  # NumPy refuses (an empty axis for max/argmax): so must we
        with pytest.raises(ValueError):
            fn(x, axis, keepdims=keepdims)
        return
    with _quiet():
        got = fn(x, axis, keepdims=keepdims)
        check(name, got, x, axis, keepdims)


def _quiet():
    import warnings
    w = warnings.catch_warnings()
    w.__enter__()
    warnings.simplefilter("ignore", RuntimeWarning)

    class _Done:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            w.__exit__(*exc)
    return _Done()


@settings(max_examples=80)
@given(problems(names=("max", "min", "argmax", "argmin", "sum", "mean"), dtypes=[np.float32, np.float64],
                bounded=False))
def test_nan_and_inf_propagate_as_in_numpy(isa, problem):
    name, x, axis, keepdims = problem
    if x.size == 0 or x.ndim == 0:
        return
    x = x.copy()
    x.flat[::3] = np.nan
    got = getattr(pt, name)(x, axis, keepdims=keepdims)
    want = reference(name, x, axis, keepdims)
    if name in ("sum", "mean"):  # NaN where NumPy has NaN (finite values may differ by overflow)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", list(NUMPY))
@pytest.mark.parametrize("dtype", DTYPES)
def test_larger_arrays_every_axis_and_layout(isa, name, dtype):
    """Past the block sizes (64 or 1024 outputs, 64 Ki elements), in every layout, on the pool."""
    if name not in INT_OPS and np.dtype(dtype).kind == "i":
        return
    rng = np.random.default_rng(1)
    base = rng.integers(-50, 50, (300, 170)).astype(dtype) if np.dtype(dtype).kind == "i" \
        else rng.standard_normal((300, 170)).astype(dtype)
    if name == "prod":
        base = np.where(np.abs(base) > 1, np.sign(base), base) if np.dtype(dtype).kind == "i" else \
            (1 + base / 50).astype(dtype)
    views = {"contiguous": base, "transposed": base.T, "stepped": base[::2, ::-3], "fortran": np.asfortranarray(base)}
    big = rng.standard_normal(70000).astype(dtype) if np.dtype(dtype).kind == "f" else \
        rng.integers(-9, 9, 70000).astype(dtype)
    fn = getattr(pt, name)
    for label, x in views.items():
        for axis in ([None, 0, 1, -1] if name.startswith("arg") else [None, 0, 1, -1, (0, 1)]):
            check(name, fn(x, axis), x, axis)
    if name != "prod":
        check(name, fn(big), big)
        check(name, fn(big.reshape(7, 10000), 1), big.reshape(7, 10000), 1)
        # Outer axes in several row chunks (~64 Ki elements each) and output blocks (<= 1024
        # wide): their partial rows are combined as a tree.
        check(name, fn(big.reshape(35000, 2), 0), big.reshape(35000, 2), 0)
        wide = (rng.integers(-9, 9, (260, 1100)) if np.dtype(dtype).kind == "i"
                else rng.standard_normal((260, 1100))).astype(dtype)
        check(name, fn(wide, 0), wide, 0)
        deep = wide[:, :1050].reshape(13, 20, 1050)
        for axis in ([0] if name.startswith("arg") else [0, (0, 1)]):
            check(name, fn(deep, axis), deep, axis)


@pytest.mark.parametrize("ddof", [0, 1, 2.5])
def test_var_std_ddof(isa, ddof):
    x = np.random.default_rng(2).standard_normal((40, 30)) * 10 + 1000
    for axis in (None, 0, 1):
        check("var", pt.var(x, axis, ddof=ddof), x, axis, ddof=ddof)
        check("std", pt.std(x, axis, ddof=ddof), x, axis, ddof=ddof)
    with np.errstate(all="ignore"):
        assert np.isnan(pt.var(np.ones(1), ddof=1))          # 0 / 0
        assert np.isinf(pt.var(np.array([1.0, 2.0]), ddof=3))  # > 0 / 0


def test_argmax_returns_the_first_maximum_and_the_first_nan(isa):
    x = np.array([1, 5, 2, 5, 5, 0], np.float32)
    assert pt.argmax(x) == 1 and pt.argmin(x) == 5
    x = np.zeros(100, np.float32)
    assert pt.argmax(x) == 0 and pt.argmin(x) == 0
    x[[40, 17, 90]] = np.nan
    assert pt.argmax(x) == 17 and pt.argmin(x) == 17
    m = np.array([[1, 9, 9], [9, 9, 1]], np.int32)
    np.testing.assert_array_equal(pt.argmax(m, 1), [1, 0])
    np.testing.assert_array_equal(pt.argmax(m, 0), [1, 0, 0])
    assert pt.argmax(m.T) == np.argmax(m.T)  # C-order index of a transposed view


@pytest.mark.parametrize("dtype", DTYPES)
def test_extremum_and_its_first_position_anywhere_in_a_run(isa, dtype):
    """max/min/argmax/argmin over contiguous runs of every length class (shorter than a
    register, groups of registers, a remainder, an overlapping last register, pieces of
    4096 and the joins between them), with the extremum (twice, and as -0/+0 ties) or a
    NaN placed in each of those regions."""
    rng = np.random.default_rng(7)
    floating = np.dtype(dtype).kind == "f"
    for n in (3, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 129, 1000, 4095, 4096, 4097, 4111, 4112,
              4113, 8192 + 70, 12345):
        positions = sorted({0, 1, 7, 8, 15, 16, 63, 64, n // 2, n - 17, n - 16, n - 9, n - 2, n - 1,
                            4095, 4096, 4097, *rng.integers(0, n, 6).tolist()})
        positions = [i for i in positions if 0 <= i < n]
        for i in positions:
            x = rng.integers(-1000, 1000, n).astype(dtype)
            for big, name in ((5000, "max"), (-5000, "min")):
                y = x.copy()
                y[i] = big
                y[min(n - 1, i + 5)] = big  # a later tie: the first one counts
                for fn in (name, "arg" + name):
                    assert getattr(pt, fn)(y) == getattr(np, fn)(y), (fn, n, i)
            if floating:
                y = x.copy()
                y[i] = np.nan
                assert np.isnan(pt.max(y)) and np.isnan(pt.min(y)), (n, i)
                assert pt.argmax(y) == i and pt.argmin(y) == i, (n, i)
                z = np.full(n, -0.0, dtype)
                z[i] = 0.0
                assert pt.argmax(z) == 0 and pt.argmin(z) == 0 and pt.max(z) == 0
    m = rng.standard_normal((37, 1000)).astype(dtype) if floating else rng.integers(-9, 9, (37, 1000)).astype(dtype)
    m[5, 990] = np.nan if floating else 100
    for fn in ("max", "min", "argmax", "argmin"):
        np.testing.assert_array_equal(getattr(pt, fn)(m, axis=-1), getattr(np, fn)(m, axis=-1), err_msg=fn)


def test_argmax_indices_beyond_float32_precision():
    """Indices above 2^24 that float32 cannot hold (they were rounded to one through the
    ops layer: argmin at 2^24 + 1 came back as 2^24), along one axis and for axis=None."""
    n = (1 << 24) + 3
    for dtype in (np.float32, np.int32):
        x = np.zeros(n, dtype)
        for at in (n - 2, n - 1):
            x[at] = -1
            assert pt.argmin(x) == at and pt.argmin(x, axis=0) == at
            assert pt.argmax(-x) == at
            x[at] = 0
    m = np.zeros((1, n), np.float32)
    m[0, n - 2] = 7
    np.testing.assert_array_equal(pt.argmax(m, axis=1), [n - 2])
    assert pt.argmax(m.T) == n - 2  # the C-order index of a transposed view


def test_result_types_follow_numpy():
    f32, i32 = np.ones((3, 4), np.float32), np.ones((3, 4), np.int32)
    assert pt.sum(f32).dtype == np.float32 and pt.mean(f32).dtype == np.float32
    assert pt.sum(i32).dtype == np.int64 and pt.prod(i32).dtype == np.int64
    assert pt.mean(i32).dtype == np.float64 and pt.var(i32).dtype == np.float64
    assert pt.max(i32).dtype == np.int32 and pt.argmax(i32).dtype == np.int64
    assert isinstance(pt.sum(f32), np.float32)      # full reductions give NumPy scalars
    assert pt.sum(f32, keepdims=True).shape == (1, 1)


def test_empty_inputs():
    e = np.empty((0, 3), np.float32)
    assert pt.sum(e) == 0 and pt.prod(e) == 1
    np.testing.assert_array_equal(pt.sum(e, 0), [0, 0, 0])
    assert pt.sum(e, 1).shape == (0,) and pt.max(e, 1).shape == (0,)
    with np.errstate(all="ignore"):
        assert np.isnan(pt.mean(e)) and np.isnan(pt.var(e))
    for name in ("max", "min", "argmax", "argmin"):
        with pytest.raises(ValueError, match="zero-size array"):
            getattr(pt, name)(e, 0)


def test_errors_are_clear():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        pt.sum(x, 2)
    with pytest.raises(ValueError, match="axis -3 is out of bounds"):  # AxisError is a ValueError
        pt.max(x, -3)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        pt.sum(x, (0, -2))
    with pytest.raises(ValueError, match="argmax: axis must be None or a single axis"):
        pt.argmax(np.ones((2, 3, 4)), (0, 1))
    with pytest.raises(TypeError, match="axis must be None, an int or a tuple of ints"):
        pt.sum(x, 1.5)
    # an array has __index__ but refuses it unless it holds one integer (a SystemError once)
    for axis in (np.array([0, 1]), np.zeros((3, 2), np.int32), np.ones(1, np.float32)):
        for f in (pt.sum, pt.argmax, pt.softmax):
            with pytest.raises(TypeError, match="axis must be None, an int or a tuple of ints, got ndarray"):
                f(x, axis)
        with pytest.raises(TypeError, match="got ndarray"):
            pt.sum(x, (axis, 0))
    np.testing.assert_array_equal(pt.sum(x, np.array(1)), np.sum(x, 1))  # one integer: an axis, as in NumPy
    with pytest.raises(TypeError, match="list"):
        pt.sum([1, 2, 3])
    assert pt.sum(np.float32(2.5)) == 2.5 and pt.max(7) == 7  # scalars reduce as 0-d arrays
    with pytest.raises(TypeError, match="'out' has dtype float64 but the result is float32"):
        pt.sum(x, 0, out=np.empty(3))
    with pytest.raises(ValueError, match=r"out has shape \(2,\), the result has shape \(3,\)"):
        pt.sum(x, 0, out=np.empty(2, np.float32))
    with pytest.raises(TypeError, match="not supported|dtype"):
        pt.sum(np.ones(3, np.float16))


def test_out_is_written_and_returned(isa):
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    out = np.empty((4, 2), np.float64).T  # a strided out
    assert pt.sum(x, 1, out=out) is out
    np.testing.assert_array_equal(out, x.sum(1))
    keep = np.empty((2, 1, 4))
    pt.max(x, 1, keepdims=True, out=keep)
    np.testing.assert_array_equal(keep, x.max(1, keepdims=True))
    idx = np.empty(3, np.int64)
    pt.argmin(x[0], 1, out=idx)
    np.testing.assert_array_equal(idx, [0, 0, 0])


def test_float32_sums_are_at_least_as_accurate_as_numpy():
    n = 10 ** 7
    rng = np.random.default_rng(3)
    for x in (np.full(n, 0.1, np.float32), (rng.standard_normal(n) * 100).astype(np.float32)):
        exact = math.fsum(x.astype(np.float64))
        ours, theirs = float(pt.sum(x)), float(np.sum(x))
        assert abs(ours - exact) <= abs(theirs - exact)
        assert abs(ours - exact) <= abs(exact) * 1e-7 + 1e-3


def test_same_bits_for_any_thread_count(threads):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((513, 2049)) * 1e3).astype(np.float32)
    cases = [(name, axis) for name in NUMPY for axis in (None, 0, 1)]
    results = {}
    for t in (1, 2, 3):
        threads(t)
        results[t] = [getattr(pt, name)(x, axis) for name, axis in cases]
    for t in (2, 3):
        for a, b, case in zip(results[1], results[t], cases):
            assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), case
    threads(2)
    big = np.full(10 ** 7, 0.1, np.float32)
    one = pt.sum(big)
    threads(1)
    assert pt.sum(big).tobytes() == one.tobytes()


def test_reductions_release_the_gil_and_allocate_only_the_result():
    import tracemalloc
    x = np.ones((1000, 1000), np.float32)
    out = np.empty(1000, np.float32)
    pt.sum(x, 0, out=out)
    tracemalloc.start()
    pt.sum(x, 0, out=out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 1024  # no copy of the 4 MB input (Python-visible allocations)
