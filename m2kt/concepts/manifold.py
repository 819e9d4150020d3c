"""Concept manifolds from mergeable sufficient statistics.

For each concept we keep ``count``, ``sum`` (d,) and the second moment ``sq`` (d, d) of its
members' vectors, in float64.  Statistics from shards merge exactly by addition
(:meth:`ManifoldStats.merge`), so a packet over millions of exemplars can be built in pieces.
:meth:`ManifoldStats.finalize` turns them into the packet's manifold: centroid (k, d), a rank-r
principal basis (k, r, d) with per-direction standard deviations (k, r), the mean residual
variance off that basis (k,), and member counts (k,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Manifolds:
    """Finalised manifolds of k concepts in a d-dim space; all arrays float32."""

    centroids: np.ndarray  # (k, d)
    basis: np.ndarray  # (k, r, d), orthonormal rows per concept
    spreads: np.ndarray  # (k, r), standard deviation along each basis direction
    residual_var: np.ndarray  # (k,), mean variance per remaining direction
    counts: np.ndarray  # (k,)

    def log_density(self, x: np.ndarray, floor: float = 1e-4) -> np.ndarray:
        """Gaussian log-density (up to a shared constant) of points ``x`` (n, d) under each
        concept's low-rank-plus-isotropic model → (n, k). Used for membership scoring."""
        k, r, d = self.basis.shape
        out = np.empty((x.shape[0], k), dtype=np.float64)
        for i in range(k):
            diff = x - self.centroids[i]
            proj = diff @ self.basis[i].T  # (n, r)
            var_in = np.maximum(self.spreads[i] ** 2, floor)
            var_out = max(float(self.residual_var[i]), floor)
            resid = (diff * diff).sum(1) - (proj * proj).sum(1)
            out[:, i] = -0.5 * ((proj**2 / var_in).sum(1) + np.log(var_in).sum()
                                + resid / var_out + (d - r) * np.log(var_out))
        return out


class ManifoldStats:
    """Running sufficient statistics for k concepts in d dimensions (float64)."""

    def __init__(self, k: int, d: int) -> None:
        self.count = np.zeros(k, dtype=np.float64)
        self.sum = np.zeros((k, d), dtype=np.float64)
        self.sq = np.zeros((k, d, d), dtype=np.float64)

    def update(self, x: np.ndarray, concept: np.ndarray, weight: np.ndarray | None = None) -> None:
        """Add points ``x`` (n, d) to concepts ``concept`` (n,) with optional weights (n,)."""
        x = np.asarray(x, dtype=np.float64)
        w = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=np.float64)
        np.add.at(self.count, concept, w)
        np.add.at(self.sum, concept, x * w[:, None])
        for c in np.unique(concept):
            m = concept == c
            xm = x[m] * np.sqrt(w[m])[:, None]
            self.sq[c] += xm.T @ xm

    def merge(self, other: ManifoldStats) -> ManifoldStats:
        """Exact merge of two shards' statistics (returns a new object)."""
        out = ManifoldStats(*self.sum.shape)
        out.count = self.count + other.count
        out.sum = self.sum + other.sum
        out.sq = self.sq + other.sq
        return out

    def finalize(self, rank: int) -> Manifolds:
        """Centroids, rank-``rank`` principal bases, spreads, residual variances, counts.

        Concepts with no members get a zero centroid, zero basis and zero variances."""
        k, d = self.sum.shape
        r = min(rank, d)
        cent = np.zeros((k, d))
        basis = np.zeros((k, r, d))
        spreads = np.zeros((k, r))
        resid = np.zeros(k)
        for i in range(k):
            n = self.count[i]
            if n <= 0:
                continue
            mu = self.sum[i] / n
            cov = self.sq[i] / n - np.outer(mu, mu)
            cov = (cov + cov.T) / 2
            vals, vecs = np.linalg.eigh(cov)
            order = np.argsort(vals)[::-1]
            vals, vecs = np.clip(vals[order], 0, None), vecs[:, order]
            cent[i] = mu
            basis[i] = vecs[:, :r].T
            spreads[i] = np.sqrt(vals[:r])
            resid[i] = vals[r:].sum() / max(1, d - r)
        f = np.float32
        return Manifolds(cent.astype(f), basis.astype(f), spreads.astype(f), resid.astype(f),
                         self.count.astype(f))
