"""Fits the rational behind float32 exact GELU (kernels/activation.hpp: gelu_exact).

Phi(-a) = exp(-a^2 / 2) C / (a + E(a)), C = 1 / sqrt(2 pi), where E(a) = 1 / R(a) - a and R is Mills'
ratio (Laplace's continued fraction: E = 1 / (a + 2 / (a + 3 / (a + ...)))). E is fitted on
[0, 10] as P(a) / Q(a) (degrees 4 and 4), and the kernel evaluates
1 / (a + E) = Q / (a Q + P): the rounding errors of the computed Q cancel between numerator
and denominator, and those of P count only in proportion to E / (a + E). So the weight of
E's error is 1 / (a + E) and the fit minimises max |P/Q - E| / (a + E) (linearised least
squares with Sanathanan-Koerner reweighting and Lawson's weights toward the minimax), and
each float32 coefficient is then moved to whichever neighbour gives the smallest largest
error. The kernel multiplies by 1 / sqrt(2 pi) in float32, 2.8e-8 off (half an ULP): the
fit is of the E that makes up for it, whose E(0) = 2 C32 is a float.
Prints the coefficients, highest degree first, as float32 literals.

With --far, the float64 polynomial behind gelu_far (x < -10): -a Phi(-a) = -C exp(-a^2 / 2) S(t),
t = 1 / a^2, S(t) = a R(a) = 1 - t Q(t), Q of degree 9 fitted on [0, 1/100] for S's relative error
(weight t / S; Lawson's weights toward the minimax), printed as the coefficients of -C S, highest
first, with the largest relative error of their Horner evaluation in double over [1/1600, 1/100].

    python scripts/fit_gelu.py          # needs numpy and mpmath (a dependency of torch)
    python scripts/fit_gelu.py --far
"""
import sys

import mpmath
import numpy as np
from lawson import lawson_fit

mpmath.mp.dps = 40
A, M_DEG, N_DEG = 10.0, 4, 4


C32 = float(np.float32(1 / np.sqrt(2 * np.pi)))  # 1 / sqrt(2 pi) as the kernel holds it


def e_of(a):
    """E(a) with the kernel's float32 1 / sqrt(2 pi) folded in: C32 / (a + E) = Phi(-a) exp(a^2 / 2)."""
    a = mpmath.mpf(a)
    return float(C32 / (mpmath.ncdf(-a) * mpmath.exp(a * a / 2)) - a)


def worst(p, q, xs, e):
    """Largest relative error of 1 / (a + P/Q) with float32 coefficients p, q (lowest first)."""
    p, q = p.astype(np.float64), q.astype(np.float64)
    return np.abs((np.polyval(p[::-1], xs) / np.polyval(q[::-1], xs) - e) / (xs + e)).max()


def fit(xs, e, iters=100):
    s = xs / A  # scaled variable for conditioning
    basis = np.hstack([np.vander(s, M_DEG + 1, increasing=True), -(e * s)[:, None] * np.vander(s, N_DEG, increasing=True)])
    lawson, q_prev, best = np.ones_like(s), np.ones_like(s), None
    for _ in range(iters):
        w = lawson / ((xs + e) * q_prev)
        c, *_ = np.linalg.lstsq(basis * w[:, None], e * w, rcond=None)
        p = c[:M_DEG + 1] / A ** np.arange(M_DEG + 1)
        q = np.concatenate([[1.0], c[M_DEG + 1:] / A ** np.arange(1, N_DEG + 1)])
        q_prev = np.polyval(q[::-1], xs)
        err = np.abs((np.polyval(p[::-1], xs) / q_prev - e) / (xs + e))
        if best is None or err.max() < best[0]:
            best = (err.max(), p, q)
        lawson = lawson * (err / err.max()) ** 0.3 + 1e-3 * lawson
        lawson /= lawson.max()
    return best[1], best[2]


def polish(p, q, xs, e):
    """Greedy search over the float32 neighbours (up to 8 ULP away) of each coefficient."""
    best, improved = worst(p, q, xs, e), True
    while improved:
        improved = False
        for c in (p, q):
            for i in range(len(c)):
                keep = c[i]
                for step in range(-8, 9):
                    c[i] = keep
                    for _ in range(abs(step)):
                        c[i] = np.nextafter(c[i], np.float32(np.inf if step > 0 else -np.inf))
                    err = worst(p, q, xs, e)
                    if err < best:
                        best, keep, improved = err, c[i], True
                c[i] = keep
    return best


def far(T=0.01, degree=9):
    mpmath.mp.dps = 50

    def s_of(t):  # a R(a), a = 1 / sqrt(t)
        a = 1 / mpmath.sqrt(mpmath.mpf(t))
        return mpmath.ncdf(-a) * mpmath.exp(a * a / 2) * a * mpmath.sqrt(2 * mpmath.pi)

    ts = T / 2 * (1 - np.cos(np.pi * np.arange(401) / 400))
    qs = np.array([1.0] + [float((1 - s_of(t)) / t) for t in ts[1:]])
    c, err = lawson_fit(np.vander(ts / T, degree + 1, increasing=True), qs, np.maximum(ts, 1e-6) / np.abs(1 - ts * qs), 60)
    q = c / T ** np.arange(degree + 1)
    minus_c = -1 / mpmath.sqrt(2 * mpmath.pi)
    cs = [float(minus_c * v) for v in [mpmath.mpf(1)] + [-mpmath.mpf(float(v)) for v in q]][::-1]
    worst = 0.0
    for t in np.linspace(1 / 1600, T, 4001):
        r = cs[0]
        for k in cs[1:]:
            r = r * t + k
        worst = max(worst, abs(float((r - minus_c * s_of(t)) / (minus_c * s_of(t)))))
    print("-C S (highest first):", ", ".join(repr(v) for v in cs))
    print(f"fit {err:.2e}; evaluated in double, largest relative error {worst:.2e}")


def main():
    xs = np.unique(np.concatenate([np.linspace(0, A, 6000), A * (1 - np.cos(np.linspace(0, np.pi / 2, 3000)))]))
    e = np.array([e_of(v) for v in xs])
    p, q = fit(xs, e)
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    err = polish(p32, q32, xs, e)
    print("P (highest first):", ", ".join(f"{float(v)!r}f" for v in p32[::-1]))
    print("Q (highest first):", ", ".join(f"{float(v)!r}f" for v in q32[::-1]))
    print(f"relative error of 1 / (a + P/Q) with these float32 coefficients: {err:.3g} ({err / 2**-24:.2f} x 2^-24)")


if __name__ == "__main__":
    far() if "--far" in sys.argv[1:] else main()
