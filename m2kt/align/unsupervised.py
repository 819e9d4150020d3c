"""An unsupervised linear map with no paired inputs, in the spirit of mini-vec2vec.

1. Centre each space, project it on its top ``k`` principal axes and scale it by one factor
   (total variance ``k``). Per-axis whitening (``whiten=True``) is available but off: when
   clusters carry most of the variance, whitening turns their centres into a near-regular
   simplex whose similarity profiles all tie, and the matching below becomes a coin toss
   (``tests/align/test_align.py`` recovers a pure rotation without whitening).
2. Cluster each side with k-means (same number of clusters) and match clusters across spaces
   by their *relative* structure: each cluster's sorted similarity profile to the others,
   compared with the Hungarian algorithm (a cheap Gromov–Wasserstein surrogate).
3. Orthogonal Procrustes on the matched cluster centroids.
4. Refine: iterate Procrustes on mutual nearest neighbours between mapped student points and
   teacher points.

``fit(xs, yt)`` takes unpaired samples (rows need not correspond).
"""

from __future__ import annotations

import numpy as np

from m2kt.align.base import Aligner, register


def _whiten(x: np.ndarray, k: int, whiten: bool = True):
    """Centre, project on the top ``k`` principal axes and scale: per axis to unit variance
    (``whiten``), or by one factor so the total variance is ``k`` (keeps the geometry)."""
    mu = x.mean(0)
    u, s, vt = np.linalg.svd(x - mu, full_matrices=False)
    k = min(k, len(s))
    sd = s[:k] / np.sqrt(len(x))
    w = vt[:k].T / (sd if whiten else np.sqrt((sd**2).mean()))
    return mu, w


def _procrustes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    u, _, vt = np.linalg.svd(a.T @ b)
    return u @ vt


@register("unsupervised")
class Unsupervised(Aligner):
    paired = False

    def __init__(self, k: int = 32, clusters: int = 24, refine: int = 5, seed: int = 0,
                 whiten: bool = False) -> None:
        self.k, self.clusters, self.refine, self.seed = k, clusters, refine, seed
        self.whiten = whiten

    def fit(self, xs, yt):
        """Unpaired ``xs`` (n, d_s) and ``yt`` (m, d_t); rows need not correspond."""
        from scipy.optimize import linear_sum_assignment
        from sklearn.cluster import KMeans

        xs, yt = np.asarray(xs, np.float64), np.asarray(yt, np.float64)
        k = min(self.k, xs.shape[1], yt.shape[1], len(xs) - 1, len(yt) - 1)
        self.mx, self.wx = _whiten(xs, k, self.whiten)
        self.my, self.wy = _whiten(yt, k, self.whiten)
        zx, zy = (xs - self.mx) @ self.wx, (yt - self.my) @ self.wy
        c = min(self.clusters, len(zx) // 2, len(zy) // 2)
        cx = KMeans(c, n_init=4, random_state=self.seed).fit(zx).cluster_centers_
        cy = KMeans(c, n_init=4, random_state=self.seed).fit(zy).cluster_centers_

        def profile(cent):
            u = cent / np.linalg.norm(cent, axis=1, keepdims=True)
            return np.sort(u @ u.T, axis=1)

        px, py = profile(cx), profile(cy)
        cost = ((px[:, None, :] - py[None, :, :]) ** 2).sum(-1)
        ri, ci = linear_sum_assignment(cost)
        q = _procrustes(cx[ri], cy[ci])
        for _ in range(self.refine):
            mx = zx @ q
            mxn = mx / np.linalg.norm(mx, axis=1, keepdims=True)
            zyn = zy / np.linalg.norm(zy, axis=1, keepdims=True)
            sim = mxn @ zyn.T
            fwd, bwd = sim.argmax(1), sim.argmax(0)
            mutual = np.where(bwd[fwd] == np.arange(len(zx)))[0]
            if len(mutual) < k:
                break
            q = _procrustes(zx[mutual], zy[fwd[mutual]])
        self.q = q
        return self

    def transform(self, xs):
        return (np.asarray(xs, np.float64) - self.mx) @ self.wx @ self.q

    def target(self, yt):
        return (np.asarray(yt, np.float64) - self.my) @ self.wy
