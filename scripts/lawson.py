"""The fit scripts' shared step: weighted least squares with Lawson's reweighting, which moves
the solution toward the minimax (the smallest largest weighted error)."""
import numpy as np


def lawson_fit(v, g, w, iters):
    """Coefficients c for the basis columns v making max |v c - g| w small, and that maximum."""
    lawson = np.ones_like(g)
    for _ in range(iters):
        c = np.linalg.lstsq(v * (w * lawson)[:, None], g * w * lawson, rcond=None)[0]
        err = np.abs(v @ c - g) * w
        lawson = lawson * np.sqrt(err / err.max())
        lawson /= lawson.max()
    return c, err.max()
