"""`make demo` (until the Mandelbrot and ray-tracer demos land): what pyperf_tensor runs on
here, and a small side-by-side benchmark of add (memory-bound) and exp (compute-bound)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import bench_elementwise  # noqa: E402
import pyperf_tensor as pt  # noqa: E402
from harness import Bench, describe, machine_info  # noqa: E402

print(f"pyperf_tensor {pt.__version__}: simd_info() = {pt.simd_info()}, get_num_threads() = {pt.get_num_threads()}")
print(describe(machine_info()), "\n")
bench = Bench(rounds=5)
bench_elementwise.run(bench, sizes=(100, 1000, 4000), ops=("add", "exp"), layouts=False)
print()
print(bench.markdown())
