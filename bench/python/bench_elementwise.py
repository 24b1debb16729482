"""Elementwise ops against NumPy and PyTorch CPU, into an existing `out` and allocating."""

import numpy as np

import pyperf_tensor as pt
from harness import OURS, torch

SIZES = (100, 500, 1000, 4000)


def run(bench, sizes=SIZES, threads=(1, 2), dtype=np.float32):
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.standard_normal((n, n)).astype(dtype)
        b = rng.standard_normal((n, n)).astype(dtype)
        out = np.empty_like(a)
        ta, tb, tout = (torch.from_numpy(x) for x in (a, b, out)) if torch is not None else (None,) * 3
        moved = 3 * a.nbytes  # read a, read b, write out
        for t in threads:
            bench.compare("elementwise", "add", "into out", a.shape, dtype, t, {
                OURS: lambda: pt.add(a, b, out=out),
                "numpy": lambda: np.add(a, b, out=out),
                "torch": (lambda: torch.add(ta, tb, out=tout)) if torch is not None else None,
            }, bytes_moved=moved)
            bench.compare("elementwise", "add", "new array", a.shape, dtype, t, {
                OURS: lambda: pt.add(a, b),
                "numpy": lambda: np.add(a, b),
                "torch": (lambda: torch.add(ta, tb)) if torch is not None else None,
            }, bytes_moved=moved)
