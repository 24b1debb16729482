"""`make bench`: every op family's side-by-side benchmark, into out/bench/*.md and *.json."""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

import bench_activation  # noqa: E402
import bench_elementwise  # noqa: E402
import bench_reduce  # noqa: E402
from harness import Bench, describe, machine_info  # noqa: E402

FAMILIES = {"elementwise": bench_elementwise, "reduce": bench_reduce, "activation": bench_activation}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out/bench")
    parser.add_argument("--family", choices=sorted(FAMILIES), action="append")
    parser.add_argument("--sizes", type=int, nargs="*", help="square sizes (default: 100 500 1000 4000)")
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--ops", nargs="*", help="ops to run (default: all of the family)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="element type (float64 results go to <family>-float64.md/.json)")
    args = parser.parse_args()
    print(describe(machine_info()))
    for name in args.family or sorted(FAMILIES):
        bench = Bench(rounds=args.rounds)
        kwargs = {"threads": args.threads, "dtype": np.dtype(args.dtype).type}
        if args.sizes:
            kwargs["sizes"] = args.sizes
        if args.ops:
            kwargs["ops"] = [op for op in args.ops if op in FAMILIES[name].OPS]
        FAMILIES[name].run(bench, **kwargs)
        bench.write(args.out, name if args.dtype == "float32" else f"{name}-{args.dtype}")


if __name__ == "__main__":
    main()
