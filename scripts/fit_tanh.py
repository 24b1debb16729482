"""Fits the piecewise polynomials behind float32 tanh on AVX-512 and AVX2 (kernels/activation.hpp:
tanh_f32, tanh_fit).

tanh(a), a = |x| clamped at 10 (tanh rounds to 1 in float32 from 9.01; the polynomial reaches
1.0f there), is one polynomial in t = a - start on each of N intervals: N = 16 of degree 5 on
AVX-512 (one zmm vpermps per coefficient), N = 8 of degree 7 on AVX2 (one ymm vpermps). The
kernel finds the interval from the bits of b = min(a + 1/2, 8 - ulp): its exponent and one
(AVX2) or two (AVX-512) leading mantissa bits, i.e. b's bits >> 22 or >> 21, whose low bits
vpermps reads. They cut [0, 10] into two or four intervals per octave of b ([0, 1/8), [1/8,
1/4), ... on AVX-512; the last [6.5, 10] or [5.5, 10]); `start` is b with its other mantissa
bits cleared, minus 1/2, so every t = a - start is exact (Sterbenz) and t = a on the first
interval, whose polynomial has no constant term: relative accuracy down to the subnormals.
Each interval's fit minimises the largest relative error (least squares with Lawson's
weights); the float32 evaluation (fma, Horner) is then checked on every 7th float32 in
[2^-14, 9.5]. Prints each table, row j holding coefficient j (highest degree first) of each
interval in the order vpermps indexes them.

    python scripts/fit_tanh.py          # needs numpy
"""
import numpy as np
from lawson import lawson_fit

OFF, AMAX, BMAX = 0.5, 10.0, np.nextafter(np.float32(8), np.float32(0))
f32 = np.float32


def slot_bits(a):
    """The kernel's b = min(a + 1/2, BMAX) as int32 bits, for float32 a."""
    return np.minimum((a + f32(OFF)).astype(f32), BMAX).view(np.int32)


def fit(shift, deg):
    """The table {vpermps index: coefficients, highest first} for intervals cut by b's bits >> shift."""
    slots = 1 << (23 - shift + 2)  # mantissa bits kept, over the 4 octaves of b in [1/2, 8)
    start_of = lambda bits: (bits & ~((1 << shift) - 1)).view(f32) - f32(OFF)
    grid = np.arange(0, AMAX, 1e-5).astype(f32)
    starts = start_of(slot_bits(grid))
    intervals = []
    for s in np.unique(starts):
        intervals.append((float(s), min(float(grid[starts == s].max()) + 1e-5, AMAX)))
    assert len(intervals) == slots, intervals
    table = {}
    for lo, hi in intervals:
        xs = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.linspace(0, np.pi, 4000))
        xs = xs[xs > 1e-6]
        g = np.tanh(xs)
        v = np.vander(xs - lo, deg + 1)
        if lo == 0:  # no constant term: t = a, relative accuracy as a -> 0
            c, err = lawson_fit(v[:, :-1], g, 1 / g, 100)
            c = np.append(c, 0.0)
        else:
            c, err = lawson_fit(v, g, 1 / g, 100)
        table[(int(slot_bits(np.array([lo], f32))[0]) >> shift) % slots] = c.astype(f32)
        print(f"// [{lo:.4g}, {hi:.4g}): relative error {err:.2g} in exact arithmetic")

    def tanh_f32(x):
        """The kernel's float32 evaluation, fma emulated in float64 (exact products, one rounding)."""
        a = np.abs(x)
        bits = slot_bits(a)
        t = np.minimum(a, f32(AMAX)) - start_of(bits)
        coeffs = np.array([table[i] for i in range(slots)])[(bits >> shift) % slots]
        p = coeffs[:, 0]
        for j in range(1, deg + 1):
            p = (p.astype(np.float64) * t + coeffs[:, j]).astype(f32)
        return np.copysign(p, x)

    lo_bits, hi_bits = np.array([2.0**-14, 9.5], f32).view(np.int32)
    x = np.arange(lo_bits, hi_bits, 7, dtype=np.int32).view(f32)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(exact.astype(f32)).astype(np.float64)
    err = np.abs(tanh_f32(x) - exact) / ulp
    print(f"// float32 evaluation: within {err.max():.3f} ULP of the exact value on every 7th float32 in [2^-14, 9.5]")
    for j in range(deg + 1):
        print("{" + ", ".join(f"{float(table[i][j])!r}f" for i in range(slots)) + "},")


for shift, deg, name in ((21, 5, "AVX-512"), (22, 7, "AVX2")):
    print(f"// {name}: bits >> {shift}, degree {deg}")
    fit(shift, deg)
