"""Fits the approximations behind exact GELU (kernels/activation.hpp): float32 gelu_exact's rational
(AVX2, SSE2; no option), its AVX-512 table (--table), and gelu_far's tail (--far, --far32).

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

With --table, the AVX-512 float32 table behind gelu_exact: a Phi(-a), a = |x| up to AMAX_TABLE, is
one polynomial of degree 6 in t = a - i W on each of 32 intervals [i W - W/2, i W + W/2) (W = 1/4,
a power of 2: the kernel rounds a to a multiple of W by adding 1.5 * 2^21, i is in the sum's low
bits and t = a - (sum - 1.5 * 2^21) is exact, all three adds, none on the FMA pipes), fitted for
relative error (Lawson's weights); the first interval's has no constant term, so t = a keeps
relative accuracy down to the subnormals. The float32 evaluation (fma emulated in float64, Horner)
of x Phi(x) is then checked against the exact value on every 11th float32 in [-FAR_TABLE,
AMAX_TABLE] and on [AMAX_TABLE, 12] (below -FAR_TABLE gelu_far takes over: there the table's
relative error grows to 3.8 ULP near -5.9). Prints one row per coefficient (highest degree
first), interval i in lane i.

With --far32, the float32 form of --far for gelu_far (x < -FAR_TABLE): Q of degree 4 on
[0, 1 / FAR_TABLE^2], printed as float32 literals.

    python scripts/fit_gelu.py          # needs numpy and mpmath (a dependency of torch)
    python scripts/fit_gelu.py --far
    python scripts/fit_gelu.py --table
    python scripts/fit_gelu.py --far32
"""
import math
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


def far(T=0.01, degree=9, literal=repr):
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
    print("-C S (highest first):", ", ".join(literal(v) for v in cs))
    print(f"fit {err:.2e}; evaluated in double, largest relative error {worst:.2e}")


N_TABLE, W_TABLE, DEG_TABLE, AMAX_TABLE, FAR_TABLE = 32, 1 / 4, 5, 5.9, 4.0


def table():
    f32, n = np.float32, N_TABLE
    mpmath.mp.dps = 30
    g_of = np.vectorize(lambda a: float(mpmath.mpf(a) * mpmath.ncdf(-mpmath.mpf(a))))
    rows = []
    for i in range(n):
        c0 = i * W_TABLE
        lo, hi = max(0.0, c0 - W_TABLE / 2 * 1.0001), c0 + W_TABLE / 2 * 1.0001
        xs = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.linspace(0, np.pi, 600))
        xs = xs[xs > 1e-9]
        g = g_of(xs)
        v = np.vander(xs - c0, DEG_TABLE + 1)
        if i == 0:  # no constant term: relative accuracy as a -> 0
            c, _ = lawson_fit(v[:, :-1], g, 1 / g, 60)
            c = np.append(c, 0.0)
        else:
            c, _ = lawson_fit(v, g, 1 / g, 60)
        rows.append(c.astype(f32))
    tab = np.array(rows)  # [interval, coefficient]

    def fma(a, b, c):
        return (a.astype(np.float64) * b + c).astype(f32)

    def gelu_f32(x):
        """The kernel's evaluation: a = min(|x|, AMAX), i = round(a / W), t = a - i W, max(x, 0) - P_i(t)."""
        a = np.minimum(np.abs(x), f32(AMAX_TABLE))
        shifter = f32(1.5 * 2**23 * W_TABLE)
        m = (a + shifter).astype(f32)  # i in m's low bits
        t = (a - (m - shifter).astype(f32)).astype(f32)
        c = tab[m.view(np.int32) & (n - 1)]
        p = c[:, 0]
        for j in range(1, DEG_TABLE + 1):
            p = fma(p, t, c[:, j])
        return (np.maximum(x, f32(0)) - p).astype(f32)

    top = np.array([2.0**-126, AMAX_TABLE], f32).view(np.int32)
    pos = np.arange(top[0], top[1], 11, dtype=np.int32).view(f32)
    x = np.concatenate([-pos[pos <= f32(FAR_TABLE)], pos, np.linspace(AMAX_TABLE, 12, 20001).astype(f32)])
    xd = x.astype(np.float64)
    erfc = np.vectorize(math.erfc)
    exact = xd * 0.5 * erfc(-xd / math.sqrt(2))  # relative error ~1e-16
    ulp = np.spacing(np.abs(exact).astype(f32)).astype(np.float64)
    err = np.abs(gelu_f32(x) - exact) / ulp
    print(f"// float32 evaluation: within {err.max():.3f} ULP of the exact value (at x = {x[err.argmax()]!r}) "
          f"on every 11th float32 in [-{FAR_TABLE}, {AMAX_TABLE}] and on [{AMAX_TABLE}, 12]")
    for j in range(DEG_TABLE + 1):
        print("{" + ", ".join(f"{float(v)!r}f" for v in tab[:, j]) + "},")


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
    args = sys.argv[1:]
    if "--far" in args:
        far()
    elif "--far32" in args:
        far(T=1 / FAR_TABLE**2, degree=5, literal=lambda v: f"{float(np.float32(v))!r}f")
    elif "--table" in args:
        table()
    else:
        main()
