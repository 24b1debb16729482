"""examples/mandelbrot: every backend against the pure-Python one, the native kernels on
every ISA, the picture, the command line. The native module is built by `make test`
(build/mandelbrot)."""

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "mandelbrot"))
import mandelbrot as mb  # noqa: E402

native = mb.load_native()
# Small grids with plenty of boundary; the last one is not a multiple of any vector width.
GRIDS = [dict(width=96, height=72, iters=200),
         dict(width=61, height=37, iters=50, xmin=-0.8, xmax=-0.7, ymin=0.05, ymax=0.15)]


@pytest.fixture(scope="module", params=range(len(GRIDS)))
def grid(request):
    g = GRIDS[request.param]
    return g, mb.mandelbrot("python", **g)


@pytest.mark.parametrize("isa", native.available_isas())
@pytest.mark.parametrize("dtype, agree", [("float64", 0.999), ("float32", 0.99)])
def test_native_counts_match_python_on_every_isa(grid, isa, dtype, agree):
    g, expected = grid
    for threads in (1, 2):
        counts = mb.mandelbrot("native", **g, dtype=dtype, isa=isa, threads=threads)
        assert counts.shape == expected.shape and counts.dtype == np.int32
        assert (counts == expected).mean() >= agree
        assert counts.min() >= 0 and counts.max() <= g["iters"]


def test_native_isas_and_thread_counts_agree_bit_for_bit():
    g = GRIDS[0]
    results = [mb.mandelbrot("native", **g, isa=isa, threads=t) for isa in native.available_isas() for t in (1, 2)]
    assert all(np.array_equal(results[0], r) for r in results[1:])


@pytest.mark.parametrize("backend", ["numpy", "pt", "numba", "numba_parallel"])
@pytest.mark.parametrize("dtype, agree", [("float64", 0.999), ("float32", 0.99)])
def test_array_backends_match_python(grid, backend, dtype, agree):
    if backend.startswith("numba"):
        pytest.importorskip("numba")
    g, expected = grid
    counts = mb.mandelbrot(backend, **g, dtype=dtype)
    assert counts.shape == expected.shape and counts.dtype == np.int32
    assert (counts == expected).mean() >= agree


def test_rows_are_from_ymin_upward_and_the_set_is_symmetric():
    counts = mb.mandelbrot("native", 64, 64, 100, -2.0, 0.6, 0.0, 1.5)
    column = int((-0.5 + 2.0) / 2.6 * 64)           # x = -0.5
    assert counts[0, column] == 100                 # row 0 is y = 0: c = -0.5 is inside
    assert counts[-1, column] < 10                  # the top row (y ~ 1.5) is far outside
    full = mb.mandelbrot("native", 64, 64, 100, -2.0, 0.6, -1.5, 1.5)
    # Conjugate symmetry: row i (y = -1.5 + i dy) mirrors row 64 - i.
    assert (full[1:32] == full[63:32:-1]).mean() > 0.98


def test_iteration_edge_cases():
    assert mb.mandelbrot("native", 17, 5, 0).max() == 0
    one = mb.mandelbrot("native", 33, 9, 1)
    assert np.array_equal(one, mb.mandelbrot("python", 33, 9, 1))


@pytest.mark.parametrize("bad, message", [
    (dict(width=0), "width"), (dict(xmin=1.0, xmax=0.0), "xmin < xmax"),
    (dict(dtype="float16"), "dtype"), (dict(iters=-1), "iters"), (dict(isa="avx1024"), "unknown ISA")])
def test_bad_arguments_are_clear_errors(bad, message):
    args = dict(width=8, height=8, iters=10, xmin=-2.0, xmax=0.6, ymin=-1.5, ymax=1.5)
    args.update(bad)
    with pytest.raises(ValueError, match=message):
        mb.mandelbrot("native", **args)
    with pytest.raises(ValueError, match="unknown backend"):
        mb.mandelbrot("fortran", 8, 8, 10)


def test_png_shows_the_set(tmp_path):
    from PIL import Image
    path = tmp_path / "m.png"
    counts = mb.mandelbrot("native", 120, 90, 100)
    mb.save_png(counts, 100, str(path))
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert img.shape == (90, 120, 3)
    inside, outside = img[::-1][counts >= 100], img[::-1][counts < 100]
    assert inside.size and outside.size
    assert (inside == 0).all()                    # the set is black
    assert outside.sum(axis=-1).mean() > 20       # the outside is not
    assert len(np.unique(outside.reshape(-1, 3), axis=0)) > 10  # shaded by escape time


def test_command_line_renders_and_prints_the_table(tmp_path):
    png, md = tmp_path / "m.png", tmp_path / "m.md"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "mandelbrot", "mandelbrot.py"),
                        "--backends", "python", "numpy", "pt", "native", "--size", "48", "40", "--iters", "30",
                        "--threads", "1", "2", "--dtype", "float64", "float32", "--output", str(png),
                        "--table", str(md)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    table = md.read_text()
    for backend in ("python", "numpy", "pt", "native"):
        assert f"| {backend} |" in table
    assert "speed-up over python" in table and "every 8th row" in table
    assert png.stat().st_size > 100
