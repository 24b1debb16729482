"""This machine's measured limits (../shared/LIMITS.md, 2 cores of AMD Zen 5, 2026-11-22).

Used to print how close an op comes to what the hardware allows. Best-of-runs figures, so
a ratio near 1.0 means "at the limit"; the machine is shared, so ratios matter, not times.
"""

# GB/s by where the working set lives, for 1 and 2 threads.
BANDWIDTH_GBS = {
    "L2": {1: 236.0, 2: 690.0},     # arrays <= 256 KiB each
    "L3": {1: 107.0, 2: 210.0},     # arrays ~1 MiB each, up to the 32 MiB L3
    "DRAM": {1: 37.0, 2: 70.0},
}
L2_BYTES_PER_CORE = 1 << 20
L3_BYTES = 32 << 20

# No op here is FMA-bound, so no FMA peak is used; bench/bench_peak.cpp measures it (on this
# host 117 GFLOP/s per core with AVX-512 and AVX2 alike, not LIMITS.md's 242).

# The CPU those figures were measured on, as /proc/cpuinfo names it.
LIMITS_CPU = "AMD EPYC"


def limits_note(cpu):
    """'' on the machine LIMITS.md measured; elsewhere, a sentence saying what 'of limit' means."""
    if LIMITS_CPU in cpu:
        return ""
    return (f"'of limit' divides by ../shared/LIMITS.md's bandwidths, measured on a 2-core {LIMITS_CPU} (Zen 5), "
            f"not on this {cpu}: read it against that machine, not as this one's limit.")


def bandwidth_limit(working_set_bytes, threads):
    """(level, GB/s) for a memory-bound op touching `working_set_bytes` in all."""
    threads = 2 if threads >= 2 else 1
    if working_set_bytes <= L2_BYTES_PER_CORE * threads:
        level = "L2"
    elif working_set_bytes <= L3_BYTES:
        level = "L3"
    else:
        level = "DRAM"
    return level, BANDWIDTH_GBS[level][threads]
