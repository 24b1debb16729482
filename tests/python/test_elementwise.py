"""Every elementwise op against NumPy: values, dtypes, strides, broadcasting, scalars, out=,
aliasing, errors; on every ISA (the `isa` fixture forces each in turn)."""

import importlib.util
import itertools
import pathlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pyperf_tensor as pt
from conftest import DTYPES
from ops import ACTIVATIONS_BINARY, BINARY, OPS, TERNARY, UNARY, check, ulp_distance
from strategies import elements, operands, strided_arrays


def assert_same(got, want):
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def shapes_for(op, min_dims=0):
    return hnp.mutually_broadcastable_shapes(num_shapes=op.arity, min_dims=min_dims, max_dims=4, max_side=6)


@pytest.mark.parametrize("op", OPS, ids=str)
@settings(max_examples=40)
@given(data=st.data())
def test_matches_numpy(isa, op, data):
    dtype = data.draw(st.sampled_from(op.dtypes), label="dtype")
    shapes = data.draw(shapes_for(op), label="shapes")
    args = [data.draw(operands(dtype, s), label=f"arg{k}") for k, s in enumerate(shapes.input_shapes)]
    got = op.fn(*args)
    if all(isinstance(a, (np.ndarray, np.generic)) for a in args) or any(isinstance(a, np.ndarray) for a in args):
        assert got.dtype == np.dtype(dtype)
    check(op, got, args)


@pytest.mark.parametrize("op", OPS, ids=str)
@settings(max_examples=25)
@given(data=st.data())
def test_out_is_written_in_place(isa, op, data):
    dtype = data.draw(st.sampled_from(op.dtypes), label="dtype")
    shapes = data.draw(shapes_for(op, min_dims=1), label="shapes")
    args = [data.draw(strided_arrays(dtype, s), label=f"arg{k}") for k, s in enumerate(shapes.input_shapes)]
    out = data.draw(strided_arrays(dtype, shapes.result_shape), label="out")
    result = op.fn(*args, out=out)
    assert result is out
    check(op, out, args)


@pytest.mark.parametrize("op", OPS, ids=str)
@settings(max_examples=25)
@given(data=st.data(), n=st.integers(0, 40))
def test_overlapping_views_give_numpys_answer(isa, op, data, n):
    dtype = op.dtypes[0]
    buf = data.draw(hnp.arrays(dtype, 3 * n + 10, elements=elements(dtype)))

    def window(label):
        step = data.draw(st.sampled_from([1, 2, -1, -2, 3]), label=label + " step")
        span = (n - 1) * abs(step) + 1 if n else 0
        start = data.draw(st.integers(0, len(buf) - span), label=label + " start")
        if n == 0:
            return buf[:0]
        return buf[start:start + span:step] if step > 0 else buf[start + span - 1::step][:n]

    args = [window(f"arg{k}") for k in range(op.arity)]
    out = window("out")
    copies = [a.copy() for a in args]
    op.fn(*args, out=out)
    check(op, out, copies)


def _layouts(dtype, rows=37, cols=53, seed=0):
    """Views of shape (rows, cols) in every layout the kernels treat differently."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal(4 * rows * cols + 11) * 20 if np.dtype(dtype).kind == "f" \
        else rng.integers(-1000, 1000, 4 * rows * cols + 11)
    base = base.astype(dtype)
    return {
        "contiguous": base[:rows * cols].reshape(rows, cols),
        "transposed": base[3:3 + rows * cols].reshape(cols, rows).T,
        "stepped": base[1:1 + 4 * rows * cols].reshape(2 * rows, 2 * cols)[::2, ::2],
        "reversed": base[:rows * cols].reshape(rows, cols)[::-1, ::-1],
        "mirrored": base[2:2 + rows * cols].reshape(rows, cols)[:, ::-1],  # rows read backwards
        "row": base[5:5 + cols],
        "column": base[9:9 + rows].reshape(rows, 1),
        "fortran": np.asfortranarray(base[:rows * cols].reshape(rows, cols)),
    }


@pytest.mark.parametrize("op", OPS, ids=str)
def test_every_layout_combination(isa, op):
    """Shapes large enough for the transposed-tile and gather paths (hypothesis keeps them small)."""
    for dtype in op.dtypes:
        views = _layouts(dtype)
        names = list(views)
        combos = [(a,) for a in names] if op.arity == 1 else \
            [(a, b) for a in names for b in names] if op.arity == 2 else \
            [(a, b, "transposed") for a in names for b in names]
        for combo in combos:
            args = [views[name] for name in combo]
            if np.broadcast_shapes(*(a.shape for a in args)) != (37, 53):
                continue
            check(op, op.fn(*args), args)
            out = np.empty((53, 37), dtype).T  # a transposed output too
            op.fn(*args, out=out)
            check(op, out, args)


@pytest.mark.parametrize("op", BINARY + TERNARY + ACTIVATIONS_BINARY, ids=str)
def test_rows_read_in_both_directions(isa, op):
    """Rows where one input is read backward (x[:, ::-1]) and another forward, beside a
    column (a value broadcast along the row) or a Python scalar: the reversed walk with
    each input's direction tested per register. Rows long enough for whole registers,
    starting off a register's alignment, with partial registers at both ends; NumPy's
    answer, and the same bits as from contiguous copies."""
    for dtype in op.dtypes:
        for rows, cols in ((5, 53), (3, 1100)):
            views = _layouts(dtype, rows, cols)
            scalar = np.dtype(dtype).type(1.5 if np.dtype(dtype).kind == "f" else 3)

            def kinds(f):  # f(values) for one operand's place
                x = f(views["contiguous"])
                return {"backward": x[:, ::-1], "forward": x, "column": f(views["column"]), "scalar": f(scalar)}

            places = [kinds(lambda v: v)] * op.arity
            if op.name == "clip":  # lo < hi
                places = [places[0], kinds(lambda v: -abs(v) - 1), kinds(lambda v: abs(v) + 1)]
            for combo in itertools.product(places[0], repeat=op.arity):
                if "backward" not in combo or "forward" not in combo:
                    continue  # one direction: the walks other tests cover
                args = [place[k] for place, k in zip(places, combo)]
                args = [a.item() if k == "scalar" else a for a, k in zip(args, combo)]
                got = np.full((rows, cols), 7, dtype)
                op.fn(*args, out=got)
                check(op, got, args)
                copies = [np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in args]
                assert got.tobytes() == op.fn(*copies).tobytes(), combo


@pytest.mark.parametrize("name", ["neg", "add", "fma", "clip", "exp"])
def test_transposed_inputs_wider_than_one_buffer_chunk(isa, name):
    """Transposed inputs go through a band buffer a few hundred columns wide: cover
    several chunks, a partial chunk, a partial tile and leftover rows, with one, some
    and all inputs transposed."""
    op = next(o for o in OPS if o.name == name)
    rows, cols = 37, 1100
    for dtype in op.dtypes:
        views = _layouts(dtype, rows, cols)
        t, c = views["transposed"], views["contiguous"]
        for combo in itertools.product((t, c), repeat=op.arity):
            if all(a is c for a in combo):
                continue
            args = list(combo)
            out = np.empty((rows, cols), dtype)
            op.fn(*args, out=out)
            check(op, out, args)


@pytest.mark.parametrize("op", UNARY + BINARY + TERNARY, ids=str)
def test_a_transposed_array_among_scalars_or_rows(isa, op):
    """One transposed array input, the others Python scalars (neg(x.T), x.T * 2, 2 - x.T,
    clip(x.T, lo, hi)) or contiguous arrays (add(x.T, y), fma(a.T, b, c)): W x W tiles
    transposed in registers and written straight to the output rows, where the rows'
    pitch allows (1024 columns of float32 do not). Partial bands at both ends (the view
    starts mid-register), a partial last tile, the array at every position; NumPy's
    answer, and the same bits as from contiguous copies."""
    for dtype in op.dtypes:
        for rows, cols in ((37, 53), (64, 40), (17, 100), (20, 1024)):
            views = _layouts(dtype, rows, cols)
            t = views["transposed"]
            for a in range(op.arity):
                scalars = [0.75, 1.5] if np.dtype(dtype).kind == "f" else [3, -2]
                if op.name == "clip":  # lo <= hi whatever the array's place
                    scalars = sorted(scalars)
                arrays = [views["contiguous"], np.ascontiguousarray(views["stepped"])]
                for others in (scalars, arrays):
                    args = others[:a] + [t] + others[a:op.arity - 1]
                    got = np.full(t.shape, 7, dtype)  # not a freed result's memory, which may hold the answer
                    op.fn(*args, out=got)
                    check(op, got, args)
                    copies = [np.ascontiguousarray(v) if isinstance(v, np.ndarray) else v for v in args]
                    assert got.tobytes() == op.fn(*copies).tobytes()


@pytest.mark.parametrize("name", ["exp", "log", "pow", "sigmoid", "gelu"])
def test_transposed_input_of_an_approximate_op_over_threads(isa, threads, name):
    """An approximate op of one transposed array among scalars walks its tiles along the
    input's rows; large enough to be split over the threads, whose pieces of rows start
    where the input's rows are register-aligned (the view starts 3 elements into its
    buffer, and 301 columns end in a partial tile). The same bits for 1, 2 and 3 threads,
    and as from a contiguous copy."""
    op = next(o for o in OPS if o.name == name)
    for dtype in op.dtypes:
        t = _layouts(dtype, 1000, 301)["transposed"]
        if name in ("log", "pow"):
            np.abs(t, out=t)  # in place: the view keeps its offset and strides
        args = [t, 1.5][:op.arity]
        threads(1)
        want = op.fn(*[np.ascontiguousarray(t)] + args[1:]).tobytes()
        for n in (1, 2, 3):
            threads(n)
            out = np.full(t.shape, 7, dtype)  # not a freed result's memory, which may hold the answer
            op.fn(*args, out=out)
            assert out.tobytes() == want, n


def _validation_rows(name):
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "data", "numpy-umath-validation",
                        f"umath-validation-set-{name}.csv")
    rows = {}
    with open(path) as f:
        for line in f:
            if line.startswith(("#", "$", "dtype")) or not line.strip():
                continue
            dtype, x, y, tol = line.strip().split(",")
            rows.setdefault(dtype, []).append((int(x, 16), int(y, 16), int(tol)))
    return rows


@pytest.mark.parametrize("name", ["exp", "log", "tanh"])
def test_accuracy_on_numpy_validation_sets(isa, name):
    checked = 0
    for dtype_name, rows in _validation_rows(name).items():
        dtype = {"np.float32": np.float32, "np.float64": np.float64}.get(dtype_name)
        if dtype is None:
            continue
        ints = np.uint32 if dtype == np.float32 else np.uint64
        x = np.array([r[0] for r in rows], dtype=ints).view(dtype)
        want = np.array([r[1] for r in rows], dtype=ints).view(dtype)
        tol = max(r[2] for r in rows)
        got = getattr(pt, name)(x)
        dist = ulp_distance(got, want)
        worst = int(np.argmax(dist))
        assert dist.max() <= tol, f"{name}({x[worst]!r}) = {got[worst]!r}, want {want[worst]!r} ({dist.max()} ULP)"
        checked += len(rows)
    assert checked > 100


@pytest.mark.parametrize("op", [o for o in OPS if np.int32 not in o.dtypes], ids=str)
def test_integer_input_to_a_float_only_op_is_a_type_error(op):
    args = [np.ones(3, np.int32)] * op.arity
    with pytest.raises(TypeError, match=f"{op.pyname}: dtype int32 is not supported"):
        op.fn(*args)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_large_and_threaded_same_bits_for_any_thread_count(isa, threads, op):
    n = 600
    dtype = op.dtypes[0]
    views = _layouts(dtype, rows=n, cols=n + 3, seed=1)
    args = [views["contiguous"], views["transposed"], views["row"]][:op.arity]
    results = []
    for t in (1, 2):
        threads(t)
        results.append(op.fn(*args).tobytes())
    assert results[0] == results[1]
    check(op, op.fn(*args), args)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_an_element_does_not_depend_on_where_its_row_starts(isa, op):
    """Row heads and tails (scalars, or one partial register each for the approximate ops)
    give the same bits as the middle of a row, for any slice of the columns."""
    rng = np.random.default_rng(7)
    for dtype in op.dtypes:
        def draw():
            if np.dtype(dtype).kind == "i":
                return rng.integers(-50, 50, (19, 203)).astype(dtype)
            x = rng.standard_normal((19, 203)) * 3
            return (np.abs(x) + 0.1 if op.name in ("sqrt", "log", "pow") else x).astype(dtype)
        args = [draw() for _ in range(op.arity)]
        full = op.fn(*args)
        for lo, hi in ((1, 203), (0, 190), (5, 17), (3, 4), (7, 200)):
            part = op.fn(*[x[:, lo:hi] for x in args])
            assert part.tobytes() == np.ascontiguousarray(full[:, lo:hi]).tobytes(), (dtype, lo, hi)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("e", [2.0, 1.0, 0.0, -1.0, 0.5, 3.0, -2.0, 7.0, -64.0, 64.5])
def test_pow_with_one_exponent(isa, dtype, e):
    """A scalar exponent with an exact shortcut (x * x, x, 1, 1 / x, sqrt) gives the correctly
    rounded result and C's special values, as do whole exponents up to 64 in magnitude (within
    1 ULP here; exactly rounded: the next test); a full array of it goes the general way, within
    1 ULP."""
    tiny = np.finfo(dtype).smallest_subnormal
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -2.0, 1.0, tiny, 3 * tiny], dtype)
    x = np.concatenate([special, (np.random.default_rng(5).standard_normal(997) * 50).astype(dtype)])
    with np.errstate(all="ignore"):
        exact = {2.0: x * x, 1.0: x, 0.0: np.ones_like(x), -1.0: 1 / x,
                 0.5: np.where(x == -np.inf, np.inf, np.sqrt(x) + dtype(0))}.get(e)
        c99 = np.power(x.astype(np.longdouble), np.longdouble(e)).astype(dtype)
    for exponent in (e, np.asarray(e, dtype), np.full_like(x, e)):
        got = pt.pow(x, exponent)
        if exact is not None and np.ndim(exponent) == 0:
            assert_same(got, exact)
            assert np.array_equal(np.signbit(got), np.signbit(exact))  # pow(-0, 0.5) is +0
        np.testing.assert_array_equal(np.isnan(got), np.isnan(c99))
        finite = np.isfinite(c99)
        assert np.array_equal(got[~finite], c99[~finite], equal_nan=True)
        assert ulp_distance(got[finite], c99[finite]).max() <= 1, exponent


def round_exactly(q, dtype):
    """The rational q rounded to nearest, ties to even, in dtype (a normal result)."""
    c = dtype(float(q))  # float(Fraction) is correctly rounded; to float32 it may round twice
    ints = np.int32 if dtype == np.float32 else np.int64
    near = (c, np.nextafter(c, dtype(np.inf)), np.nextafter(c, dtype(-np.inf)))
    return min(near, key=lambda v: (abs(Fraction(float(v)) - q), int(np.array(v, dtype).view(ints)) & 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_whole_exponents_round_correctly(isa, dtype):
    """pow(x, n), n = +-3 .. +-64 a scalar: x^n by squaring in double (float32) or double-double
    (float64) is correctly rounded against the exact rational x^n, but for float32 results within
    ~2^-46 of an ULP of a midpoint (none here); results beyond [2^-960, 2^960] within 1 ULP of libm."""
    rng = np.random.default_rng(17)
    bad = []
    for n in (3, -2, -3, 4, 5, -7, 10, 31, -33, 63, 64, -64):
        # |x^n| within 2^+-120 (float32) or 2^+-900 (float64): the fast path's range
        span = (120 if dtype == np.float32 else 900) / abs(n)
        x = np.exp2(rng.uniform(-span, span, 400)) * rng.choice([-1, 1], 400)
        x[::5] = 1 + rng.uniform(-2.0 ** -8, 2.0 ** -8, 80)
        x = x.astype(dtype)
        got = pt.pow(x, n)
        for xi, gi in zip(x, got):
            want = round_exactly(Fraction(float(xi)) ** n, dtype)
            if gi != want:
                bad.append((n, xi, gi, want))
    assert not bad, bad[:5]
    # Outside that range (float64 goes to libm there), overflow and underflow: within 1 ULP.
    with np.errstate(all="ignore"):  # float32 takes the large ones as inf and the tiny ones as 0
        x = np.array([1e-200, 1e200, -1e160, 2.0 ** -1000, 2.0 ** 1000, 1.5e-40, 3e38, 7.0], dtype)
    for n in (3, -3, 10, -64, 64):
        with np.errstate(all="ignore"):
            want = np.power(x.astype(np.longdouble), n).astype(dtype)
        got = pt.pow(x, n)
        assert ulp_distance(got, want).max() <= 1, (n, got, want)


@settings(max_examples=40)
@given(data=st.data())
def test_pow_whole_exponents_on_any_view(isa, data):
    """pow(view, n) for whole n in [-64, 64] (each walk: reversed, strided, transposed, 0-d and
    broadcast operands, Python, NumPy and 0-d exponents; strided outputs), any values: within 1
    ULP of powl, NaN, infinities and signed zeros where powl has them, and the same bits as for
    a contiguous copy (every walk takes the same shortcut)."""
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=40), label="shape")
    x = data.draw(strided_arrays(dtype, shape), label="x")
    n = data.draw(st.integers(-64, 64), label="n")
    exponent = data.draw(st.sampled_from([n, float(n), dtype(n), np.asarray(n, dtype)]), label="exponent")
    got = np.atleast_1d(pt.pow(x, exponent))
    with np.errstate(all="ignore"):
        want = np.atleast_1d(np.power(np.asarray(x, np.longdouble), np.longdouble(n)).astype(dtype))
    assert got.dtype == dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(got[np.isinf(want)], want[np.isinf(want)])
    assert np.array_equal(np.signbit(got[want == 0]), np.signbit(want[want == 0]))
    assert ulp_distance(got, want).max(initial=0) <= 1
    assert np.atleast_1d(pt.pow(np.ascontiguousarray(x), exponent)).tobytes() == got.tobytes()
    out = data.draw(strided_arrays(dtype, np.shape(x)), label="out")
    if isinstance(out, np.ndarray):  # not a NumPy scalar
        pt.pow(x, exponent, out=out)
        assert np.atleast_1d(out).tobytes() == got.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_over_the_whole_range(isa, dtype):
    """Results from the smallest normal to the largest finite value, x near 1 with large
    exponents, integer exponents: within 1 ULP of powl, nearly all correctly rounded."""
    rng = np.random.default_rng(11)
    n = 20000
    top = np.log(np.finfo(dtype).max) * 0.999
    x = np.exp2(rng.uniform(-60, 60, n))
    x[::4] = 1 + rng.uniform(-1e-3, 1e-3, n // 4)
    y = rng.uniform(-1, 1, n) * top / np.abs(np.log(x))  # y log x anywhere in (-top, top)
    x[1::4] = np.exp2(rng.uniform(-6, 6, n // 4))
    y[1::4] = np.round(rng.uniform(-20, 20, n // 4))
    x, y = x.astype(dtype), y.astype(dtype)
    got = pt.pow(x, y)
    want = np.power(x.astype(np.longdouble), y.astype(np.longdouble)).astype(dtype)
    ok = np.isfinite(want) & (np.abs(want) >= np.finfo(dtype).tiny)
    assert ok.mean() > 0.95
    assert ulp_distance(got[ok], want[ok]).max() <= 1
    # SSE2's float32 pow is glibc's powf, which rounds ~0.3% of these the other way.
    assert (got[ok] == want[ok]).mean() >= (0.99 if isa == "sse2" and dtype == np.float32 else 0.998)


def test_math_tables_are_the_generators_output():
    """The tables of exp, log and pow in the header are what scripts/gen_math_tables.py computes."""
    root = pathlib.Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gen_math_tables", root / "scripts" / "gen_math_tables.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (root / "include" / "pyperf_tensor" / "simd" / "math_tables.hpp").read_text() == gen.header()


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


@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_with_one_bound_or_none(isa, dtype):
    # NumPy's: a None bound is no bound, on either side or both; out= and broadcasting as ever
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((40, 70)) * 50).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[3, :5] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
    row = (rng.standard_normal(70) * 20).astype(dtype)
    for lo, hi in [(None, row), (row, None), (dtype(-5), None), (None, dtype(7)), (None, None), (-3, None)]:
        want = np.clip(x, lo, hi)
        assert_same(pt.clip(x, lo, hi), want)
        assert_same(pt.clip(np.asfortranarray(x), lo, hi), want)
        out = np.empty_like(x)
        assert pt.clip(x, lo, hi=hi, out=out) is out
        assert_same(out, want)
    other = {np.float32: np.float64, np.float64: np.float32, np.int32: np.int64, np.int64: np.int32}[dtype]
    with pytest.raises(TypeError, match="clip: mixed dtypes"):
        pt.clip(x, None, np.ones(70, other))
    with pytest.raises(TypeError, match="clip: argument 'hi' must be"):
        pt.clip(x, None, "3")


SCALAR_KINDS = [1, -2, 2.5, True, np.float32(1.5), np.float64(1.5), np.int32(3), np.int64(3),
                np.array(2.0, np.float32), np.array(2.0), np.array(4, np.int32)]


@pytest.mark.parametrize("op", BINARY + TERNARY + ACTIVATIONS_BINARY, ids=repr)
def test_scalars_of_every_kind_give_numpys_dtype_or_a_type_error(op):
    # NumPy 2's rules (NEP 50): Python scalars are weak, NumPy scalars and 0-d arrays keep
    # their dtype. A result has NumPy's dtype and values, or else a TypeError; a result
    # for sure wherever NumPy's result has the array's dtype: a Python int/float it keeps
    # in that dtype, a scalar of that dtype, and a narrower one NumPy widens (float64 with
    # np.float32 or np.int32, int64 with np.int32). A scalar that would widen the result
    # is mixed dtypes (a TypeError), never a silent conversion. numpy.float64, a float
    # subclass, was once read as a weak Python float.
    for dtype in op.dtypes:
        arr = np.arange(1, 7, dtype=dtype).reshape(2, 3)
        for s in SCALAR_KINDS:
            for pos in range(op.arity):
                if op.name == "clip" and pos == 0 and type(s) in (int, float):
                    continue  # np.clip makes a Python x an array (strong); ours stays weak, as everywhere
                args = [arr] * op.arity
                args[pos] = s
                with np.errstate(all="ignore"):
                    want = np.asarray(op.numpy(*args))
                try:
                    got = op.fn(*args)
                except TypeError:
                    assert want.dtype != dtype or type(s) is bool, (op, dtype, s, pos)
                    continue
                assert got.dtype == want.dtype, (op, dtype, s, pos)
                np.testing.assert_allclose(got, want, rtol=1e-6)


def test_numpy_scalars_that_numpy_widens_enter_with_their_exact_value():
    # float64 takes every other dtype's scalar, int64 takes int32's, as in NumPy 2
    x = np.zeros((2, 3))
    for s in [np.float32(0.1), np.int32(-7), np.int64(2**53 + 1), np.array(0.1, np.float32)]:
        got = pt.add(x, s)
        assert got.dtype == np.float64 and got.shape == (2, 3)
        assert_same(got, x + s)
    assert_same(pt.mul(np.arange(4, dtype=np.int64), np.int32(-3)), np.arange(4, dtype=np.int64) * -3)
    out = np.empty(3)
    assert pt.fma(np.ones(3), np.float32(2.5), np.int32(1), out=out) is out
    assert_same(out, np.full(3, 3.5))
    # only 0-d operands: the dtype the others widen to, with NumPy's 0-d result
    got = pt.fma(np.float64(2), 1e300, np.float32(1.5))
    assert got.shape == () and got.dtype == np.float64 and got == 2e300 + 1.5
    assert pt.add(np.int32(1), np.array(2, np.int64)).dtype == np.int64


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
    (lambda: pt.add(f32.astype(np.float16), 1), TypeError,
     r"unsupported dtype float16 for argument 'a' \(supported: float32, float64, int32, int64\)"),
    # an op without integer kernels names only the dtypes it computes in
    (lambda: pt.exp(f32.astype(np.float16)), TypeError,
     r"exp: unsupported dtype float16 for argument 'x' \(supported: float32, float64\)"),
    (lambda: pt.div(np.ones(3, np.int32), 2), TypeError,
     r"div: dtype int32 is not supported \(supported: float32, float64\)"),
    (lambda: pt.exp(f32, out=f32.astype(np.float16)), TypeError,
     r"unsupported dtype float16 for argument 'out' \(supported: float32\)"),
    (lambda: pt.add(f32.astype(np.uint8), 1), TypeError, "unsupported dtype uint8"),
    (lambda: pt.add(f32.astype(np.complex64), 1), TypeError, "unsupported dtype complex64"),
    (lambda: pt.add(f32.astype(bool), 1), TypeError, "unsupported dtype bool"),
    (lambda: pt.add(f32.astype(">f4"), 1), TypeError, "non-native byte order"),
    (lambda: pt.add(f32.astype(np.int32), 1.5), TypeError, "Python float with a int32 array"),
    # NumPy scalars keep their dtype (NumPy 2's rule), numpy.float64 too though it is a float
    (lambda: pt.mul(f32, np.float64(0.1)), TypeError, "mul: mixed dtypes float32 and float64"),
    (lambda: pt.add(np.float32(1), np.int32(2)), TypeError, "add: mixed dtypes float32 and int32"),
    (lambda: pt.mul(np.ones(3, np.int32), np.int64(2)), TypeError, "mul: mixed dtypes int32 and int64"),
    (lambda: pt.add(np.ones(3, np.int64), np.float32(2)), TypeError, "add: mixed dtypes int64 and float32"),
    (lambda: pt.add(np.ones(3), np.ones(3, np.float32)), TypeError, "add: mixed dtypes float64 and float32"),
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
    (lambda: pt.add(np.ones((1,) * 40, np.float32), 1), ValueError, r"rank 40 exceeds PYPERF_TENSOR_MAX_RANK \(32\)"),
    (lambda: pt.add(f32), TypeError, "missing required argument 'b'"),
    (lambda: pt.add(f32, f32, f32, f32), TypeError, "at most 3 positional"),
    (lambda: pt.add(f32, f32, output=f32), TypeError, "unexpected keyword argument 'output'"),
    (lambda: pt.add(f32, b=f32, a=f32), TypeError, "multiple values for argument 'a'"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("op, call", [
    ("add", lambda: pt.add(np.ones(3), np.ones(4))),
    ("neg", lambda: pt.neg(np.ones(3), out=np.ones(4))),
    ("fma", lambda: pt.fma(np.ones((1,) * 40), 1.0, 1.0)),
    ("sum", lambda: pt.sum(np.ones((1,) * 40))),
    ("sigmoid", lambda: pt.sigmoid(np.ones(3), out=np.ones(2))),
    ("maximum", lambda: pt.maximum(np.ones(3, np.int32), 2 ** 40)),
    ("softmax", lambda: pt.softmax(np.ones(3), axis=1)),
])
def test_every_error_names_its_op(op, call):
    """Errors raised deep in the library (shapes, ranks) begin with the op's name, as the
    bindings' own do, and name it once."""
    with pytest.raises((TypeError, ValueError, OverflowError)) as error:
        call()
    assert str(error.value).startswith(op + ": "), str(error.value)
    assert not str(error.value).startswith(op + ": " + op + ":"), str(error.value)


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_rounds_once_where_the_isa_has_fma(isa, dtype):
    eps = np.finfo(dtype).eps
    n = 37  # head, SIMD body and tail all hold the same inputs
    a = np.full(n, 1 + eps, dtype)
    b = np.full(n, 1 - eps, dtype)
    c = np.full(n, -1, dtype)
    got = pt.fma(a, b, c)
    fused = -(eps * eps)  # exact a*b + c; a*b alone rounds to 1 and would give 0
    want = dtype(0) if isa == "sse2" else dtype(fused)
    np.testing.assert_array_equal(got, np.full(n, want, dtype))
