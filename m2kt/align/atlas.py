"""The map an atlas gives: student vectors → teacher vectors, fitted on the atlas's strings.

Both sides encode the same public strings (the teacher once, in its atlas; the student
itself), so the pairs are task-independent. :func:`fit_atlas_map` fits an affine ridge map on
them, its strength chosen on a held-out fifth of the pairs (mean squared error): no label and
no task input is read.

Shapes: ``xs`` (k, d_s) student rows, ``xt`` (k, d_t) teacher rows; the transform maps
(n, d_s) → (n, d_t) float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: ridge strengths chosen from, relative to the mean eigenvalue of the design's Gram matrix
ALPHAS = (1e-3, 1e-2, 1e-1, 1.0)


@dataclass(frozen=True)
class AtlasMap:
    """``weight`` (d_s + 1, d_t): the affine map (last row the bias); ``alpha`` the chosen
    strength; ``r2`` the held-out pairs' R² at that strength."""

    weight: np.ndarray
    alpha: float
    r2: float

    def transform(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        return x @ self.weight[:-1] + self.weight[-1]


def _fit(xs: np.ndarray, xt: np.ndarray, alpha: float) -> np.ndarray:
    a = np.hstack([xs, np.ones((len(xs), 1))])
    g = a.T @ a
    reg = alpha * np.trace(g) / len(g) * np.eye(len(g))
    reg[-1, -1] = 0.0  # the bias is not shrunk
    return np.linalg.solve(g + reg, a.T @ xt)


def fit_atlas_map(xs: np.ndarray, xt: np.ndarray, seed: int = 0,
                  alphas: tuple[float, ...] = ALPHAS) -> AtlasMap:
    """See module doc. Needs at least 5 pairs (a held-out fifth of at least one)."""
    xs, xt = np.asarray(xs, np.float64), np.asarray(xt, np.float64)
    if len(xs) != len(xt) or len(xs) < 5:
        raise ValueError(f"an atlas map needs at least 5 pairs of rows, not {len(xs)} and "
                         f"{len(xt)}")
    perm = np.random.default_rng(seed).permutation(len(xs))
    cut = max(1, len(xs) // 5)
    va, tr = perm[:cut], perm[cut:]
    var = float(((xt[va] - xt[va].mean(0)) ** 2).sum()) or 1.0

    def held_out_r2(alpha: float) -> float:
        w = _fit(xs[tr], xt[tr], alpha)
        pred = xs[va] @ w[:-1] + w[-1]
        return 1.0 - float(((pred - xt[va]) ** 2).sum()) / var

    scores = {a: held_out_r2(a) for a in alphas}
    best = max(scores, key=scores.get)
    return AtlasMap(_fit(xs, xt, best), best, scores[best])


