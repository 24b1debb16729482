"""Reductions against NumPy and PyTorch CPU: all-reduce, axis 0 and axis -1 of float32
matrices at the standard sizes (torch.argmax has no axis=None over a matrix's C order
different from ours: it flattens too, so it is compared as is)."""

import numpy as np

from harness import OURS, torch
import pyperf_tensor as pt

SIZES = (100, 500, 1000, 4000)
OPS = ("sum", "mean", "max", "min", "argmax", "argmin", "var", "std", "prod")


def _torch_fn(name, axis):
    if torch is None:
        return None
    fn = {"sum": torch.sum, "mean": torch.mean, "prod": torch.prod, "max": torch.amax, "min": torch.amin,
          "argmax": torch.argmax, "argmin": torch.argmin,
          "var": lambda t, **k: torch.var(t, correction=0, **k), "std": lambda t, **k: torch.std(t, correction=0, **k)}[name]
    if axis is None:
        if name == "prod":
            return lambda t: torch.prod(t.reshape(-1))
        return lambda t: fn(t)
    return lambda t: fn(t, dim=axis)


def run(bench, sizes=SIZES, threads=(1, 2), dtype=np.float32, ops=OPS):
    rng = np.random.default_rng(0)
    for n in sizes:
        x = (rng.random((n, n)) + 0.5).astype(dtype)
        tx = torch.from_numpy(x) if torch is not None else None
        for name in ops:
            for axis, case in ((None, "all"), (0, "axis 0"), (-1, "axis -1")):
                ours, ref, tfn = getattr(pt, name), getattr(np, name), _torch_fn(name, axis)
                for t in threads:
                    bench.compare("reduce", name, case, x.shape, dtype, t, {
                        OURS: lambda: ours(x, axis),
                        "numpy": lambda: ref(x, axis=axis),
                        "torch": (lambda: tfn(tx)) if tfn is not None else None,
                    }, bytes_moved=x.nbytes)
