"""Fits the polynomial behind the float32 expm1 of tanh and exact GELU (kernels/activation.hpp:
expm1_f32).

expm1(r) = r + r^2 / 2 + r^3 P(r) on |r| <= ln2 / 2 (the range Cody-Waite's reduction leaves),
P a cubic. The fit minimises the largest relative error of expm1 (the quantity tanh's result
inherits near 0) by least squares with Lawson's weights toward the minimax: 1.4e-8, where
Taylor's cubic P (to r^6) gives 3e-7 and its quartic (to r^7, one fma more) 1.3e-8. Each
float32 coefficient is then tried at its neighbours in a float32 evaluation (fma, the
kernel's Horner order); none is better. Prints P's coefficients, highest degree first.

    python scripts/fit_expm1.py          # needs numpy and mpmath (a dependency of torch)
"""
import mpmath
import numpy as np
from lawson import lawson_fit

mpmath.mp.dps = 30
R = float(np.log(2) / 2)

xs = np.linspace(-R, R, 20001)
xs = xs[np.abs(xs) > 1e-6]
exact = np.array([float(mpmath.expm1(mpmath.mpf(x))) for x in xs])
# g = (expm1(r) - r - r^2/2) / r^3, the part P approximates; expm1's relative error is r^3 |P - g| / expm1
g = np.array([float((mpmath.expm1(mpmath.mpf(x)) - x - mpmath.mpf(x) ** 2 / 2) / mpmath.mpf(x) ** 3) for x in xs])
w = np.abs(xs**3 / exact)


def fit(iters=300):
    return lawson_fit(np.vander(xs, 4), g, w, iters)


def float32_error(coeffs):
    """Largest relative error of the kernel's float32 evaluation: q = fma(q, r, c) down to 1/2, fma(r r, q, r)."""
    r = xs.astype(np.float32)
    q = np.full_like(r, coeffs[0])
    for c in list(coeffs[1:]) + [np.float32(0.5)]:
        q = (q.astype(np.float64) * r + np.float64(c)).astype(np.float32)
    p = ((r * r).astype(np.float64) * q + r).astype(np.float32)
    return np.abs((p - exact) / exact).max()


def polish(coeffs):
    best = float32_error(coeffs)
    for _ in range(3):
        for i in range(len(coeffs)):
            for direction in (np.inf, -np.inf):
                for steps in range(1, 5):
                    trial = coeffs.copy()
                    for _ in range(steps):
                        trial[i] = np.nextafter(trial[i], np.float32(direction))
                    e = float32_error(trial)
                    if e < best:
                        best, coeffs = e, trial
    return coeffs, best


c, e = fit()
print(f"exact-arithmetic relative error {e:.3g}")
c32, e32 = polish(c.astype(np.float32))
taylor = np.array([1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6], np.float32)
print(f"float32 evaluation {e32:.3g} (Taylor to r^7, one fma more: {float32_error(taylor):.3g})")
print(", ".join(f"{x!r}f" for x in map(float, c32)))
