"""The one benchmark harness: times implementations side by side in one process and
prints/writes ratios. Every op family's benchmark is a list of `compare` calls.

Method: each implementation is warmed up, then calibrated to a batch of calls lasting
>= `batch_seconds`; the implementations are then timed in interleaved rounds (A, B, C,
A, B, C, ...) so that machine noise hits all of them alike, each timed batch preceded by
an untimed lead-in of the same implementation (LEAD_IN_SECONDS), and the median per-call
time of the rounds is reported. Speed-ups are peer_time / our_time (> 1: we are faster).
A row may carry a baseline, another call of ours (the same op on contiguous inputs, or
softmax along the other axis), timed in the same rounds: its ratio is then measured side by
side, not against a row timed a second earlier or later when the machine may have changed.
Rows on more than one thread also time our call on one thread in the same rounds (the pool
resized during the untimed lead-in): `own_scaling` = that time / ours.
"""

import json
import os
import platform
import statistics
import sys
import time

import numpy as np

import pyperf_tensor as pt

sys.path.insert(0, os.path.dirname(__file__))
from limits import bandwidth_limit, limits_note  # noqa: E402

try:
    import torch
except ImportError:  # the benchmark still runs; torch columns stay empty
    torch = None

OURS = "pyperf_tensor"
BASELINE = OURS + " (baseline)"
ONE_THREAD = OURS + " (1 thread)"
# Untimed run of an implementation before each of its timed batches. PyTorch's OpenMP
# workers keep spinning ~10 ms after its last parallel region and take the cores from
# whoever runs next (measured here); 20 ms lets them settle for every implementation.
LEAD_IN_SECONDS = 0.02


def set_threads(n, ours=None):
    """Same thread budget for everyone that has one (NumPy ufuncs are single-threaded); ours
    may differ (`ours`: the one-thread timing of a row on more threads)."""
    pt.set_num_threads(n if ours is None else ours)
    if torch is not None:
        torch.set_num_threads(n)
    numba = sys.modules.get("numba")  # only if a benchmark family uses it
    if numba is not None:
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def _time_batch(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _calibrate(fn, batch_seconds):
    """(calls per timed batch, calls per lead-in)."""
    fn()  # warm-up: first-touch page faults, pool start, lazy init
    number = 1
    while True:
        per_call = _time_batch(fn, number)
        if per_call * number >= batch_seconds or number >= 1 << 20:
            return number, max(number // 4, int(LEAD_IN_SECONDS / max(per_call, 1e-9)) + 1)
        number *= 2


class Bench:
    def __init__(self, rounds=7, batch_seconds=0.01):
        self.rounds = rounds
        self.batch_seconds = batch_seconds
        self.rows = []

    def compare(self, family, op, case, shape, dtype, threads, impls, bytes_moved=None, flops=None, baseline=None):
        """Time `impls` ({name: zero-argument callable}) side by side; returns the row.
        `baseline` = (label, callable of ours): timed in the same rounds; the row gets
        `vs_<label>` = our time / the baseline's."""
        set_threads(threads)
        impls = {k: v for k, v in impls.items() if v is not None}
        if baseline:
            impls[BASELINE] = baseline[1]
        if threads > 1:
            impls[ONE_THREAD] = impls[OURS]

        def ready(name):  # every thread count again before each batch (no-ops when unchanged)
            set_threads(threads, ours=1 if name == ONE_THREAD else threads)

        plans = {}
        for name, fn in impls.items():
            ready(name)
            plans[name] = _calibrate(fn, self.batch_seconds)
        samples = {name: [] for name in impls}
        for _ in range(self.rounds):
            for name, fn in impls.items():
                number, lead_in = plans[name]
                ready(name)
                _time_batch(fn, lead_in)
                samples[name].append(_time_batch(fn, number))
        pt.set_num_threads(threads)
        times = {name: statistics.median(s) for name, s in samples.items()}
        base = times.pop(BASELINE, None)
        one_thread = times.pop(ONE_THREAD, None)
        row = {
            "family": family, "op": op, "case": case, "shape": "x".join(map(str, shape)), "dtype": str(np.dtype(dtype)),
            "threads": threads, "isa": pt.simd_info()["selected"],
            "us": {name: t * 1e6 for name, t in times.items()},
            "speedup": {name: times[name] / times[OURS] for name in times if name != OURS},
        }
        if base is not None:
            row.update({f"us_{baseline[0]}": base * 1e6, f"vs_{baseline[0]}": times[OURS] / base})
        if one_thread is not None:
            row.update(us_one_thread=one_thread * 1e6, own_scaling=one_thread / times[OURS])
        if bytes_moved:
            level, limit = bandwidth_limit(bytes_moved, threads)
            gbs = bytes_moved / times[OURS] / 1e9
            row.update(gbs=gbs, limit=f"{level} {limit:.0f} GB/s", of_limit=gbs / limit)
        if flops:
            row.update(gflops=flops / times[OURS] / 1e9)
        self.rows.append(row)
        print(format_row(row), flush=True)
        return row

    def peers(self):
        return sorted({p for r in self.rows for p in r["us"] if p != OURS})

    def markdown(self):
        peers = self.peers()
        head = ["op", "case", "shape", "threads", f"{OURS} µs"] + [f"{p} µs" for p in peers] \
            + [f"vs {p}" for p in peers] + ["GB/s", "of limit", "time vs contiguous"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows:
            cells = [r["op"], r["case"], r["shape"], str(r["threads"]), f"{r['us'][OURS]:.1f}"]
            cells += [f"{r['us'][p]:.1f}" if p in r["us"] else "–" for p in peers]
            cells += [f"{r['speedup'][p]:.2f}x" if p in r["speedup"] else "–" for p in peers]
            cells += [f"{r['gbs']:.0f}" if "gbs" in r else "–",
                      f"{r['of_limit']:.0%} ({r['limit']})" if "of_limit" in r else "–",
                      f"{r['vs_contiguous']:.2f}x" if "vs_contiguous" in r else "–"]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def write(self, out_dir, name):
        os.makedirs(out_dir, exist_ok=True)
        meta = machine_info()
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump({"machine": meta, "rows": self.rows}, f, indent=1)
        with open(os.path.join(out_dir, name + ".md"), "w") as f:
            f.write(f"{describe(meta)}\n\n{self.markdown()}\n")
        print(f"\nwrote {out_dir}/{name}.md and .json")


def format_row(r):
    peers = "  ".join(f"{p} {r['us'][p]:9.1f} us ({r['speedup'][p]:5.2f}x)" for p in r["speedup"])
    extra = f"  {r['gbs']:6.0f} GB/s = {r['of_limit']:4.0%} of {r['limit']}" if "gbs" in r else ""
    extra += f"  {r['own_scaling']:.2f}x own 1 thread" if "own_scaling" in r else ""
    return (f"{r['op']:>10} {r['case']:<14} {r['shape']:>10} {r['dtype']:>8} T{r['threads']}  "
            f"ours {r['us'][OURS]:9.1f} us  {peers}{extra}")


def machine_info():
    return {
        "pyperf_tensor": pt.__version__, "simd": pt.simd_info(), "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None, "python": platform.python_version(),
        "cpu": _cpu_name(), "cores": len(os.sched_getaffinity(0)),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def describe(meta):
    return (f"pyperf_tensor {meta['pyperf_tensor']} ({meta['simd']['selected']}), NumPy {meta['numpy']}, "
            f"PyTorch {meta['torch'] or 'not installed'}, Python {meta['python']}, {meta['cpu']}, "
            f"{meta['cores']} cores, {meta['date']}. Times are medians of interleaved rounds; "
            f"'vs X' = X's time / ours (>1: pyperf_tensor faster). {limits_note(meta['cpu'])}").rstrip()


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
