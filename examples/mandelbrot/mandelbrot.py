"""The Mandelbrot set from pure Python to SIMD on every core, as a client of pyperf_tensor.

The classic benchmark: 960x960 pixels, x in [-2.0, 0.6], y in [-1.5, 1.5], 200 iterations.
Pixel (j, i) is c = (xmin + j * dx) + 1j * (ymin + i * dy), dx = (xmax - xmin) / width,
dy = (ymax - ymin) / height; row 0 is ymin. Every backend returns the same iteration
counts (int32, shape (height, width)): how many times z = z * z + c ran, starting from
z = c, before |z| > 2, at most `iters`.

    python   the per-pixel loop in pure Python (complex numbers)
    numpy    the masked-array loop: update only the pixels still inside
    numba    the per-pixel loop under @njit (numba installed only)
    numba_parallel  the same with prange over rows, testing zr*zr + zi*zi > 4
    pt       an array program of pyperf_tensor ops (into preallocated buffers, in
             cache-sized row blocks that stop once every pixel in them escaped)
    native   C++ on pyperf_tensor's kernel-authoring API (kernels.cpp): SIMD lanes with
             masks and an early exit, 4 vectors in flight, compiled per ISA and chosen at
             run time, rows handed out one at a time over the thread pool

    python examples/mandelbrot/mandelbrot.py                 # table + out/mandelbrot.png
    python examples/mandelbrot/mandelbrot.py --backends native pt --dtype float32 --threads 2
"""

import argparse
import glob
import os
import sys
import time

import numpy as np

import pyperf_tensor as pt

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BACKENDS = ("python", "numpy", "numba", "numba_parallel", "pt", "native")
DEFAULTS = dict(width=960, height=960, iters=200, xmin=-2.0, xmax=0.6, ymin=-1.5, ymax=1.5)


def _axes(width, height, xmin, xmax, ymin, ymax, dtype=np.float64):
    """Pixel coordinates, computed in float64 as every backend does, then cast."""
    if width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive, got {width}x{height}")
    if not (xmax > xmin and ymax > ymin):
        raise ValueError("need xmin < xmax and ymin < ymax")
    x = xmin + np.arange(width) * ((xmax - xmin) / width)
    y = ymin + np.arange(height) * ((ymax - ymin) / height)
    return x.astype(dtype), y.astype(dtype)


# --- python -------------------------------------------------------------------------------
def _python(x, y, iters):
    out = np.empty((len(y), len(x)), np.int32)
    xs = [float(v) for v in x]
    for i, ci in enumerate(float(v) for v in y):
        row = out[i]
        for j, cr in enumerate(xs):
            c = complex(cr, ci)
            z = c
            n = 0
            for _ in range(iters):
                if abs(z) > 2:
                    break
                z = z * z + c
                n += 1
            row[j] = n
    return out


# --- numpy --------------------------------------------------------------------------------
def _numpy(x, y, iters):
    c = x[None, :] + 1j * y[:, None]
    z = c.copy()
    n = np.zeros(c.shape, np.int32)
    alive = np.ones(c.shape, bool)
    for _ in range(iters):
        alive[alive] = np.abs(z[alive]) <= 2
        if not alive.any():
            break
        z[alive] = z[alive] * z[alive] + c[alive]
        n[alive] += 1
    return n


# --- numba --------------------------------------------------------------------------------
# The kernel as the Rust blog's Numba version writes it: complex z, escape test
# z.real * z.real + z.imag * z.imag > 4; the parallel variant spreads rows with prange.
_numba_kernels = {}


def _numba_kernel(parallel):
    try:
        import numba
    except ImportError as e:
        raise RuntimeError("numba is not installed (pip install numba)") from e
    if parallel not in _numba_kernels:
        rows = numba.prange if parallel else range

        def kernel(x, y, iters, out):
            for i in rows(len(y)):
                for j in range(len(x)):
                    c = complex(x[j], y[i])
                    z = c
                    n = 0
                    for _ in range(iters):
                        if z.real * z.real + z.imag * z.imag > 4:
                            break
                        z = z * z + c
                        n += 1
                    out[i, j] = n

        _numba_kernels[parallel] = numba.njit(kernel, parallel=parallel)
    return _numba_kernels[parallel]


def _numba(x, y, iters, parallel):
    out = np.empty((len(y), len(x)), np.int32)
    _numba_kernel(parallel)(x, y, iters, out)
    return out


# --- pt: pyperf_tensor ops ------------------------------------------------------------------
def _pt(x, y, iters, block_rows=None):
    """z = z^2 + c with masks written as arithmetic: a pixel is alive while |z|^2 <= 4
    (alive = min(alive, clip((4 - |z|^2) * huge, 0, 1))); escaped pixels are kept finite
    by clipping z to [-4, 4], where |z|^2 >= 16 keeps them out for good. Row blocks stay
    in cache (32 rows) on one thread; with more, each op needs enough elements (~128 Ki
    per extra thread) to be worth splitting."""
    if block_rows is None:
        block_rows = max(32, -(-131072 * (pt.get_num_threads() - 1) // len(x)))
    dtype = x.dtype.type
    huge = dtype(1e30)
    out = np.empty((len(y), len(x)), np.int32)
    shape = (min(block_rows, len(y)), len(x))
    zr, zi, zr2, zi2, t, alive, n = (np.empty(shape, dtype) for _ in range(7))
    for r0 in range(0, len(y), block_rows):
        rows = slice(0, min(block_rows, len(y) - r0))
        cr = np.broadcast_to(x, shape)[rows]
        ci = np.broadcast_to(y[r0:r0 + block_rows, None], (rows.stop, len(x)))
        Zr, Zi, Zr2, Zi2, T, A, N = (a[rows] for a in (zr, zi, zr2, zi2, t, alive, n))
        np.copyto(Zr, cr)
        np.copyto(Zi, ci)
        A.fill(1)
        N.fill(0)
        for i in range(iters):
            pt.square(Zr, out=Zr2)
            pt.square(Zi, out=Zi2)
            pt.add(Zr2, Zi2, out=T)
            pt.sub(dtype(4), T, out=T)
            pt.mul(T, huge, out=T)
            pt.clip(T, dtype(0), dtype(1), out=T)
            pt.minimum(A, T, out=A)
            pt.add(N, A, out=N)
            if i % 8 == 7 and not A.any():
                break
            pt.add(Zr, Zr, out=T)
            pt.fma(T, Zi, ci, out=Zi)
            pt.sub(Zr2, Zi2, out=Zr)
            pt.add(Zr, cr, out=Zr)
            pt.clip(Zr, dtype(-4), dtype(4), out=Zr)
            pt.clip(Zi, dtype(-4), dtype(4), out=Zi)
        out[r0:r0 + rows.stop] = N
    return out


# --- native -------------------------------------------------------------------------------
def load_native():
    """The compiled module (build/mandelbrot, made by `make demo` / `make test`, or
    MANDELBROT_NATIVE_DIR)."""
    where = os.environ.get("MANDELBROT_NATIVE_DIR", os.path.join(ROOT, "build", "mandelbrot"))
    if not glob.glob(os.path.join(where, "mandelbrot_native*.so")):
        raise RuntimeError(f"mandelbrot_native is not built in {where}: run `make demo` or "
                           "cmake -S examples/mandelbrot -B build/mandelbrot && cmake --build build/mandelbrot")
    if where not in sys.path:
        sys.path.insert(0, where)
    import mandelbrot_native
    return mandelbrot_native


def mandelbrot(backend, width=960, height=960, iters=200, xmin=-2.0, xmax=0.6, ymin=-1.5, ymax=1.5,
               *, dtype="float64", threads=None, rows=None, isa=None):
    """Iteration counts (int32, shape (height, width), row 0 at ymin) by `backend`.

    dtype: "float64" or "float32" (python and numba compute in complex128 whatever it is).
    threads: for numba_parallel, pt and native (default: their current setting).
    rows: compute only these row indices (shape (len(rows), width)); for timing the slow
    backends on a sample. isa: native only, force "sse2" | "avx2" | "avx512".
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (expected one of {', '.join(BACKENDS)})")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
    if iters < 0:
        raise ValueError(f"iters must be >= 0, got {iters}")
    x, y = _axes(width, height, xmin, xmax, ymin, ymax, np.float64 if backend == "python" else np.dtype(dtype))
    if rows is not None:
        y = y[np.asarray(rows)]
    if threads is not None and backend == "pt":
        pt.set_num_threads(threads)
    if backend == "python":
        return _python(x, y, iters)
    if backend == "numpy":
        return _numpy(x, y, iters)
    if backend in ("numba", "numba_parallel"):
        if threads is not None and backend == "numba_parallel":
            import numba
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        return _numba(x, y, iters, backend == "numba_parallel")
    if backend == "pt":
        return _pt(x, y, iters)
    native = load_native()
    if rows is not None:
        raise ValueError("the native backend renders whole grids (rows=None)")
    return native.render(width, height, iters, xmin, xmax, ymin, ymax, dtype=dtype, isa=isa, threads=threads)


# --- picture ------------------------------------------------------------------------------
def colorize(counts, iters):
    """RGB image, top row = ymax: the set black, the outside shaded by escape time."""
    t = np.sqrt((counts.astype(np.float64) + 1) / (iters + 1))
    rgb = np.stack([9 * (1 - t) * t ** 3, 15 * (1 - t) ** 2 * t ** 2, 8.5 * (1 - t) ** 3 * t], axis=-1)
    rgb = np.clip(rgb * 255 * 1.6, 0, 255).astype(np.uint8)
    rgb[counts >= iters] = 0
    return rgb[::-1]


def save_png(counts, iters, path):
    from PIL import Image
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(colorize(counts, iters), "RGB").save(path)


# --- the ladder ---------------------------------------------------------------------------
def _best_time(fn, min_seconds=0.5, max_repeats=15):
    """Best of several runs (at least 2, until min_seconds spent)."""
    fn()  # warm-up: numba compilation, pool start, first touch
    best, spent, repeats = float("inf"), 0.0, 0
    while repeats < 2 or (spent < min_seconds and repeats < max_repeats):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best, spent, repeats = min(best, elapsed), spent + elapsed, repeats + 1
    return best


def ladder(backends, width, height, iters, dtype, threads, python_every=8, out=sys.stdout):
    """Times every backend in this one run; returns rows of (name, dtype, threads, seconds, note)."""
    rows = []
    g = dict(width=width, height=height, iters=iters, xmin=DEFAULTS["xmin"], xmax=DEFAULTS["xmax"],
             ymin=DEFAULTS["ymin"], ymax=DEFAULTS["ymax"])
    for backend in backends:
        # The ladder shows python, numpy and numba in float64 (the published versions).
        dtypes = dtype if backend in ("pt", "native") else ["float64"]
        thread_counts = threads if backend in ("numba_parallel", "pt", "native") else [1]
        for dt in dtypes:
            for th in thread_counts:
                note = ""
                try:
                    if backend == "python":
                        sample = list(range(0, height, python_every))
                        # One run of a sample of rows spread over the image, scaled per pixel.
                        start = time.perf_counter()
                        mandelbrot("python", **g, rows=sample)
                        seconds = (time.perf_counter() - start) * height / len(sample)
                        note = f"timed on every {python_every}th row ({len(sample)} rows), scaled per pixel"
                    else:
                        seconds = _best_time(lambda: mandelbrot(backend, **g, dtype=dt, threads=th))
                except RuntimeError as e:  # numba missing, native not built
                    print(f"skipped {backend}: {e}", file=out)
                    continue
                rows.append((backend, dt, th, seconds, note))
                print(f"  {backend:15s} {dt:8s} {th} thread(s) {seconds * 1e3:10.2f} ms", file=out, flush=True)
    return rows


def table(rows, width, height, iters):
    base = next((r[3] for r in rows if r[0] == "python"), None)
    numba_par = {r[2]: r[3] for r in rows if r[0] == "numba_parallel"}
    lines = [f"Mandelbrot {width}x{height}, {iters} iterations, measured in one run "
             f"(ISA {pt.simd_info()['selected']}):", "",
             "| backend | dtype | threads | time | speed-up over python | vs numba parallel, same threads | note |",
             "|---|---|---|---:|---:|---:|---|"]
    for name, dt, th, seconds, note in rows:
        speed = f"{base / seconds:,.0f}x" if base else "-"
        vs_numba = f"{numba_par[th] / seconds:.1f}x" if th in numba_par and name in ("pt", "native") else ""
        t = f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1e3:.2f} ms"
        lines.append(f"| {name} | {dt} | {th} | {t} | {speed} | {vs_numba} | {note} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    p.add_argument("--size", type=int, nargs=2, default=(960, 960), metavar=("WIDTH", "HEIGHT"))
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--dtype", nargs="+", default=["float64", "float32"], choices=["float64", "float32"])
    p.add_argument("--output", default=os.path.join(ROOT, "out", "mandelbrot.png"), help="PNG path ('' for none)")
    p.add_argument("--table", default=os.path.join(ROOT, "out", "mandelbrot.md"), help="Markdown table path")
    args = p.parse_args(argv)
    width, height = args.size
    if args.output:
        counts = mandelbrot("native" if "native" in args.backends else args.backends[-1], width, height,
                            args.iters, dtype="float64")
        save_png(counts, args.iters, args.output)
        print(f"wrote {args.output}")
    print("timing (best of several runs each):")
    rows = ladder(args.backends, width, height, args.iters, args.dtype, args.threads)
    text = table(rows, width, height, args.iters)
    print()
    print(text)
    if args.table:
        os.makedirs(os.path.dirname(os.path.abspath(args.table)), exist_ok=True)
        with open(args.table, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
