"""Linear aligners fitted on paired anchors: orthogonal Procrustes, ridge (affine), CCA."""

from __future__ import annotations

import numpy as np

from m2kt.align.base import Aligner, center, register


def svd(a: np.ndarray, full_matrices: bool = True
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.linalg.svd``, falling back to LAPACK's slower ``gesvd`` when the default
    divide-and-conquer driver (``gesdd``) does not converge — which it can fail to do on a
    finite, ill-conditioned matrix (seen on SmolLM2's anchor vectors)."""
    try:
        return np.linalg.svd(a, full_matrices=full_matrices)
    except np.linalg.LinAlgError:
        if not np.isfinite(a).all():
            raise
        import scipy.linalg

        return scipy.linalg.svd(a, full_matrices=full_matrices, lapack_driver="gesvd")


@register("procrustes")
class Procrustes(Aligner):
    """Orthogonal map with a global scale after centring (dimensions zero-padded to match):
    ``y ≈ s · (x − μx) Q + μy`` with ``Q`` orthogonal (SVD of the cross-covariance)."""

    def fit(self, xs, yt):
        x, self.mx = center(xs)
        y, self.my = center(yt)
        d = max(x.shape[1], y.shape[1])
        self.dx, self.dy = x.shape[1], y.shape[1]
        xp = np.pad(x, ((0, 0), (0, d - x.shape[1])))
        yp = np.pad(y, ((0, 0), (0, d - y.shape[1])))
        u, sv, vt = svd(xp.T @ yp)
        self.q = u @ vt
        self.scale = sv.sum() / max((xp * xp).sum(), 1e-12)
        return self

    def transform(self, xs):
        x = np.asarray(xs, dtype=np.float64) - self.mx
        d = self.q.shape[0]
        out = np.pad(x, ((0, 0), (0, d - self.dx))) @ self.q * self.scale
        return out[:, : self.dy] + self.my


@register("ridge")
class Ridge(Aligner):
    """Affine map ``y ≈ x W + b`` with L2 penalty ``alpha`` chosen by generalised
    cross-validation over a log grid (closed form via the SVD of centred ``x``)."""

    def __init__(self, alphas: tuple[float, ...] = tuple(10.0 ** np.arange(-3, 5))) -> None:
        self.alphas = alphas

    def fit(self, xs, yt):
        x, self.mx = center(xs)
        y, self.my = center(yt)
        u, s, vt = svd(x, full_matrices=False)
        uty = u.T @ y
        best, best_gcv = None, np.inf
        n = len(x)
        for a in self.alphas:
            f = s**2 / (s**2 + a)
            resid = y - u @ (f[:, None] * uty)
            dof = f.sum()
            gcv = (resid**2).sum() / max(n - dof, 1e-6) ** 2
            if gcv < best_gcv:
                best, best_gcv = a, gcv
        self.alpha = best
        self.w = vt.T @ ((s / (s**2 + best))[:, None] * uty)
        return self

    def transform(self, xs):
        return (np.asarray(xs, dtype=np.float64) - self.mx) @ self.w + self.my


@register("cca")
class CCA(Aligner):
    """Regularised CCA: both sides projected on the top ``k`` canonical directions (a shared
    space), so ``target`` is the teacher's projection."""

    def __init__(self, k: int = 32, reg: float = 1e-3) -> None:
        self.k, self.reg = k, reg

    @staticmethod
    def _inv_sqrt(c: np.ndarray, reg: float) -> np.ndarray:
        vals, vecs = np.linalg.eigh(c + reg * np.trace(c) / len(c) * np.eye(len(c)))
        return vecs @ np.diag(1 / np.sqrt(np.clip(vals, 1e-12, None))) @ vecs.T

    def fit(self, xs, yt):
        x, self.mx = center(xs)
        y, self.my = center(yt)
        n = len(x)
        wx = self._inv_sqrt(x.T @ x / n, self.reg)
        wy = self._inv_sqrt(y.T @ y / n, self.reg)
        u, s, vt = svd(wx @ (x.T @ y / n) @ wy)
        k = min(self.k, len(s), n - 1)
        self.ax, self.ay = wx @ u[:, :k], wy @ vt.T[:, :k]
        self.corr = s[:k]
        return self

    def transform(self, xs):
        return (np.asarray(xs, dtype=np.float64) - self.mx) @ self.ax

    def target(self, yt):
        return (np.asarray(yt, dtype=np.float64) - self.my) @ self.ay
