"""Fits the polynomial behind the float64 log of AVX-512 (simd/math.hpp: log_zmm).

log1p(r) = r - r^2 / 2 + r^3 P(r) on |r| <= 1/16 (the range the 16-entry table leaves), P of
degree 8. The fit minimises the largest relative error of log1p (r^3 |P - g| / log1p(r)) by
least squares with Lawson's weights toward the minimax, in the Chebyshev basis of t = 16 r
(well conditioned), then converted to powers of r: 7.6e-18 (2^-56.9), where Taylor's P needs
degree 10 for 1.7e-17 (two fmas more: C++, 10^6 float64 logs, 760 -> 681 us). Prints P's
coefficients, lowest degree first, and the errors of the fit and of Taylor's degree 10.

    python scripts/fit_log.py          # needs numpy and mpmath (a dependency of torch)
"""
import mpmath
import numpy as np
from lawson import lawson_fit

mpmath.mp.dps = 40
H = 1 / 16
DEGREE = 8

ts = np.cos(np.linspace(0, np.pi, 6001))  # Chebyshev-spaced in t = r / H
rs = ts * H
keep = np.abs(rs) > 1e-9
rs, ts = rs[keep], ts[keep]
# g = (log1p(r) - r + r^2/2) / r^3, the part P approximates
g = np.array([float((mpmath.log1p(mpmath.mpf(r)) - r + mpmath.mpf(r) ** 2 / 2) / mpmath.mpf(r) ** 3) for r in rs])
w = np.abs(rs**3 / np.array([float(mpmath.log1p(mpmath.mpf(r))) for r in rs]))


def fit(iters=200):
    c, _ = lawson_fit(np.polynomial.chebyshev.chebvander(ts, DEGREE), g, w, iters)
    power = np.polynomial.chebyshev.cheb2poly(c)
    return [float(power[j] / H**j) for j in range(DEGREE + 1)]  # exact scaling by powers of 2


def error(coeffs):
    p = np.zeros_like(rs)
    for c in reversed(coeffs):
        p = p * rs + c
    return float(np.max(np.abs(p - g) * w))


coeffs = fit()
print("P, lowest degree first:", ", ".join(repr(c) for c in coeffs))
print(f"fit: {error(coeffs):.3g}; Taylor to degree 10: {error([(-1) ** j / (j + 3) for j in range(11)]):.3g}")
