"""Condensed Markdown tables from a benchmark JSON (what the README shows):
`python bench/python/summary.py out/bench/elementwise.json` (or reduce.json, activation.json).
"of limit": the bytes moved per second against this machine's bandwidth limit for the cache
level the data lives in (LIMITS.md), which is the bound for the memory-bound ops."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from limits import limits_note  # noqa: E402


def main(path, layout_ops=("add", "neg", "exp", "fma")):
    data = json.load(open(path))
    rows = data["rows"]
    note = limits_note(data["machine"]["cpu"])
    if note:
        print(note + "\n")
    one_thread = {(r["op"], r["case"], r["shape"]): r["us"]["pyperf_tensor"] for r in rows if r["threads"] == 1}
    peers = [p for p in ("numpy", "torch", "numba") if any(p in r["us"] for r in rows)]
    names = {"numpy": "NumPy", "torch": "PyTorch", "numba": "Numba"}
    print("| op | case | threads | pyperf_tensor µs | " + " | ".join(f"{names[p]} µs" for p in peers) + " | "
          + " | ".join(f"vs {names[p]}" for p in peers) + " | vs own 1 thread | of limit |")
    print("|---|---|---|---|" + "---|" * (2 * len(peers) + 2))

    def cell(d, k, fmt):
        return fmt.format(d[k]) if k in d else "–"

    for r in rows:
        if (r["shape"] == "1000x1000" or r["case"].startswith(("rows of", "one row of"))) and "vs_contiguous" not in r:
            us, sp = r["us"], r["speedup"]
            # Timed in the same rounds (harness: own_scaling); JSON from before that, the 1-thread row.
            own = one_thread.get((r["op"], r["case"], r["shape"]))
            scale = f"{r['own_scaling']:.2f}x" if "own_scaling" in r else \
                f"{own / us['pyperf_tensor']:.2f}x" if own and r["threads"] > 1 else ""
            print(f"| {r['op']} | {r['case']} | {r['threads']} | {us['pyperf_tensor']:.0f} | "
                  + " | ".join(cell(us, p, "{:.0f}") for p in peers) + " | "
                  + " | ".join(cell(sp, p, "{:.2f}x") for p in peers) + f" | {scale} | {cell(r, 'of_limit', '{:.0%}')} |")
    # Rows held to a baseline of ours timed in the same rounds (harness.Bench.compare).
    for key, title, ops in (("contiguous", "layout", layout_ops), ("axis -1", "case", None), ("unmasked", "case", None),
                            ("ordinary", "case", None)):
        held = [r for r in rows if f"us_{key}" in r and (ops is None or r["op"] in ops)]
        if not held:
            continue
        print()
        print(f"| op | {title} | threads | pyperf_tensor µs | {key} µs (same rounds) | time vs {key} | vs NumPy |")
        print("|---|---|---|---|---|---|---|")
        for r in held:
            print(f"| {r['op']} | {r['case']} | {r['threads']} | {r['us']['pyperf_tensor']:.0f} | "
                  f"{r[f'us_{key}']:.0f} | {r[f'vs_{key}']:.2f}x | {cell(r['speedup'], 'numpy', '{:.2f}x')} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/bench/elementwise.json")
