"""Hypothesis strategies for arrays with arbitrary strides: stepped, reversed, transposed views."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def elements(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return st.floats(allow_nan=True, allow_infinity=True, width=dtype.itemsize * 8)
    info = np.iinfo(dtype)
    return st.integers(int(info.min), int(info.max))


@st.composite
def strided_arrays(draw, dtype, shape):
    """An array of `shape` that is a view with random steps (negative too) and axis order."""
    shape = tuple(shape)
    perm = draw(st.permutations(range(len(shape)))) if shape else []
    steps = [draw(st.sampled_from([1, 1, 2, -1, -3])) for _ in shape]
    permuted = [shape[p] for p in perm]
    base_shape = tuple(max(1, n * abs(s)) for n, s in zip(permuted, steps))
    base = draw(hnp.arrays(dtype, base_shape, elements=elements(dtype)))
    view = base[tuple(slice(None, None, s) for s in steps)] if shape else base[...]
    view = view[tuple(slice(0, n) for n in permuted)]
    if not shape:  # a 0-d array, or a NumPy scalar (which keeps its dtype)
        return view if draw(st.booleans()) else view[()]
    return view.transpose(np.argsort(perm))


@st.composite
def operands(draw, dtype, shape):
    """A strided array of `shape`, or (sometimes, for 0-d shapes) a Python scalar."""
    if shape == () and draw(st.booleans()):
        value = draw(elements(dtype))
        return float(value) if np.dtype(dtype).kind == "f" else int(value)
    return draw(strided_arrays(dtype, shape))
