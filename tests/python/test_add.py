"""pyperf_tensor.add against NumPy: values, dtypes, strides, broadcasting, out=, aliasing, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pyperf_tensor as pt
from conftest import DTYPES
from strategies import elements, operands, strided_arrays


def assert_same(got, want):
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@given(data=st.data(), dtype=st.sampled_from(DTYPES),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=6))
def test_matches_numpy(isa, data, dtype, shapes):
    a = data.draw(operands(dtype, shapes.input_shapes[0]), label="a")
    b = data.draw(operands(dtype, shapes.input_shapes[1]), label="b")
    with np.errstate(all="ignore"):
        want = np.asarray(np.add(a, b))
    if not isinstance(a, (np.ndarray, np.generic)) and not isinstance(b, (np.ndarray, np.generic)):
        want = want.astype(np.float64 if isinstance(a, float) or isinstance(b, float) else np.int64)
    assert_same(pt.add(a, b), want)


@given(data=st.data(), dtype=st.sampled_from(DTYPES),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=5))
def test_out_is_written_in_place(isa, data, dtype, shapes):
    a = data.draw(strided_arrays(dtype, shapes.input_shapes[0]), label="a")
    b = data.draw(strided_arrays(dtype, shapes.input_shapes[1]), label="b")
    out = data.draw(strided_arrays(dtype, shapes.result_shape), label="out")
    with np.errstate(all="ignore"):
        want = np.add(a, b)
    result = pt.add(a, b, out=out)
    assert result is out
    assert np.shares_memory(result, out)
    assert_same(out, want)


@given(data=st.data(), dtype=st.sampled_from([np.float32, np.int64]), n=st.integers(0, 40))
def test_overlapping_views_give_numpys_answer(isa, data, dtype, n):
    buf = data.draw(hnp.arrays(dtype, 3 * n + 10, elements=elements(dtype)))

    def window(label):
        step = data.draw(st.sampled_from([1, 2, -1, -2, 3]), label=label + " step")
        span = (n - 1) * abs(step) + 1 if n else 0
        start = data.draw(st.integers(0, len(buf) - span), label=label + " start")
        return buf[start:start + span:step] if step > 0 else buf[start + span - 1::step][:n] if n else buf[:0]

    a, b, out = window("a"), window("b"), window("out")
    with np.errstate(all="ignore"):
        want = np.add(a.copy(), b.copy())
    pt.add(a, b, out=out)
    assert_same(out, want)


def test_in_place_and_broadcast_row_from_the_output(isa):
    m = np.arange(20, dtype=np.float64).reshape(4, 5)
    want = m + m[0]
    pt.add(m, m[0], out=m)  # the row is read through a copy, as NumPy does
    assert_same(m, want)

    x = np.arange(10, dtype=np.int32)
    pt.add(x, x, out=x)
    assert_same(x, np.arange(10, dtype=np.int32) * 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [65536 * 2 - 1, 65536 * 2 + 17, 1_000_003, (9 << 20) // 4 + 5])
def test_large_inputs_same_bits_for_any_thread_count(isa, threads, dtype, n):
    rng = np.random.default_rng(n)
    a = rng.integers(-1000, 1000, n).astype(dtype) if np.dtype(dtype).kind == "i" else rng.standard_normal(n).astype(dtype)
    b = a[::-1].copy()
    results = {}
    for t in (1, 2, 3):
        threads(t)
        results[t] = (pt.add(a, b), pt.add(a[1::2], b[1::2]), pt.add(a, b, out=np.empty_like(a)))
    assert_same(results[1][0], a + b)
    assert_same(results[1][1], a[1::2] + b[1::2])
    for t in (2, 3):
        for got, want in zip(results[t], results[1]):
            assert got.tobytes() == want.tobytes()


def test_results_identical_across_isas():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 301)).astype(np.float32)
    b = rng.standard_normal(301).astype(np.float32)
    before = pt.simd_info()["selected"]
    outs = []
    for isa in pt.simd_info()["available"]:
        pt._core._select_isa(isa)
        outs.append(pt.add(a.T[::-1], 0.5).tobytes() + pt.add(a, b).tobytes())
    pt._core._select_isa(before)
    assert all(o == outs[0] for o in outs)


def test_python_scalars_adopt_the_array_dtype():
    x = np.arange(4, dtype=np.float32)
    assert pt.add(x, 1.5).dtype == np.float32
    assert pt.add(2, x).dtype == np.float32
    assert pt.add(np.arange(3, dtype=np.int32), 7).dtype == np.int32
    assert_same(pt.add(1, 2), np.asarray(3, dtype=np.int64))
    assert_same(pt.add(1, 2.5), np.asarray(3.5))
    assert_same(pt.add(np.float64(1.0), np.ones(2)), np.full(2, 2.0))


def test_zero_d_and_empty():
    assert_same(pt.add(np.array(2.0), np.array(3.0)), np.asarray(5.0))
    assert_same(pt.add(np.ones((0, 3), np.float32), np.ones(3, np.float32)), np.ones((0, 3), np.float32))
    out = np.empty((0,), np.int64)
    assert pt.add(np.ones(0, np.int64), 1, out=out) is out


def test_fortran_inputs_give_a_fortran_result():
    a = np.asfortranarray(np.ones((3, 4), np.float32))
    assert pt.add(a, a).flags.f_contiguous
    assert pt.add(np.ones((3, 4), np.float32), a).flags.c_contiguous


def test_integers_wrap_like_numpy():
    big = np.array([np.iinfo(np.int32).max], dtype=np.int32)
    assert_same(pt.add(big, 1), np.array([np.iinfo(np.int32).min], dtype=np.int32))


def test_nan_and_inf_follow_ieee():
    x = np.array([np.nan, np.inf, -np.inf, 1.0], dtype=np.float32)
    y = np.array([1.0, -np.inf, -np.inf, np.nan], dtype=np.float32)
    with np.errstate(all="ignore"):
        assert_same(pt.add(x, y), x + y)


f32 = np.ones((2, 3), np.float32)


@pytest.mark.parametrize("call, error, message", [
    (lambda: pt.add(f32, f32.astype(np.float64)), TypeError, "mixed dtypes float32 and float64"),
    (lambda: pt.add(f32.astype(np.float16), 1), TypeError, "unsupported dtype float16"),
    (lambda: pt.add(f32.astype(np.uint8), 1), TypeError, "unsupported dtype uint8"),
    (lambda: pt.add(f32.astype(np.complex64), 1), TypeError, "unsupported dtype complex64"),
    (lambda: pt.add(f32.astype(bool), 1), TypeError, "unsupported dtype bool"),
    (lambda: pt.add(f32.astype(">f4"), 1), TypeError, "non-native byte order"),
    (lambda: pt.add(f32.astype(np.int32), 1.5), TypeError, "Python float with a int32 array"),
    (lambda: pt.add(f32, [1, 2, 3]), TypeError, "got list"),
    (lambda: pt.add(f32, "x"), TypeError, "got str"),
    (lambda: pt.add(f32, True), TypeError, "got bool"),
    (lambda: pt.add(f32, None), TypeError, "got NoneType"),
    (lambda: pt.add(np.ma.array(f32), 1), TypeError, "masked array"),
    (lambda: pt.add(f32, np.ones(4, np.float32)), ValueError, r"broadcast together with shapes \(2, 3\) \(4,\)"),
    (lambda: pt.add(f32, f32, out=np.empty((3, 3), np.float32)), ValueError, r"output shape \(3, 3\)"),
    (lambda: pt.add(f32, f32, out=np.empty((2, 3), np.float64)), TypeError, "'out' has dtype float64"),
    (lambda: pt.add(f32, f32, out=np.broadcast_to(np.float32(0), (2, 3))), ValueError, "read-only"),
    (lambda: pt.add(f32, f32, out=[0] * 6), TypeError, "'out' must be a numpy.ndarray"),
    (lambda: pt.add(np.ones(3, np.int32), 2 ** 40), OverflowError, "out of bounds for int32"),
    (lambda: pt.add(np.ones(3, np.int64), 2 ** 70), OverflowError, "1180591620717411303424 out of bounds for int64"),
    (lambda: pt.add(np.ones(3), 10 ** 400), OverflowError, "too large to convert to float"),
    (lambda: pt.add(np.frombuffer(b"\0" * 13, np.uint8)[1:].view(np.float32), 1), ValueError, "not aligned"),
    (lambda: pt.add(f32), TypeError, "missing required argument 'b'"),
    (lambda: pt.add(f32, f32, f32, f32), TypeError, "at most 3 positional"),
    (lambda: pt.add(f32, f32, output=f32), TypeError, "unexpected keyword argument 'output'"),
    (lambda: pt.add(f32, b=f32, a=f32), TypeError, "multiple values for argument 'a'"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_writeable_out_with_overlapping_elements_is_refused():
    base = np.zeros(3, np.float32)
    out = np.lib.stride_tricks.as_strided(base, shape=(2, 3), strides=(0, 4))
    assert out.flags.writeable
    with pytest.raises(ValueError, match="overlapping elements"):
        pt.add(np.ones((2, 3), np.float32), 1, out=out)


def test_keywords_and_signature():
    import inspect
    x = np.ones(3, np.float64)
    out = np.empty(3)
    assert pt.add(b=x, a=x, out=out) is out
    assert str(inspect.signature(pt.add)) == "(a, b, out=None)"
