"""Zero-crossing alignment: a student → teacher map with **no** paired inputs.

The teacher side is a cloud sampled from the packet's concept-manifold mixture (centroid +
principal directions × spreads + isotropic residual, each concept weighted by its member
count); the student side is the student's own unlabelled inputs.  The unsupervised aligner
(:mod:`m2kt.align.unsupervised`) matches the two clouds; its map between their reduced (PCA)
coordinates is carried back to raw teacher coordinates.  Nothing per-example from the teacher
is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from m2kt.align import make
from m2kt.concepts.manifold import Manifolds


def sample_mixture(man: Manifolds, n: int, seed: int) -> np.ndarray:
    """(n, d) float64 points from the packet's manifolds, concepts drawn ∝ member counts."""
    rng = np.random.default_rng(seed)
    counts = np.clip(man.counts.astype(np.float64), 0, None)
    if counts.sum() <= 0:
        raise ValueError("the packet's manifolds have no members")
    which = rng.choice(len(counts), size=n, p=counts / counts.sum())
    r = man.basis.shape[1]
    z = rng.standard_normal((n, r)) * man.spreads[which]
    pts = man.centroids[which].astype(np.float64) + np.einsum("nr,nrd->nd", z, man.basis[which])
    noise = rng.standard_normal(pts.shape) * np.sqrt(np.clip(man.residual_var[which], 0, None)
                                                     )[:, None]
    return pts + noise


@dataclass
class MixtureMap:
    """``transform``: student vectors (n, d_s) → teacher coordinates (n, d_t)."""

    aligner: object
    w_back: np.ndarray  # (k, d_t): reduced teacher coordinates → raw
    mean_t: np.ndarray

    def transform(self, xs: np.ndarray) -> np.ndarray:
        return self.aligner.transform(xs) @ self.w_back + self.mean_t


def mixture_map(s_pool: np.ndarray, man: Manifolds, seed: int, n_teacher: int = 4000
                ) -> MixtureMap:
    """Fit the unsupervised aligner between the student's own inputs and a mixture sample."""
    cloud = sample_mixture(man, n_teacher, seed)
    al = make("unsupervised", seed=seed).fit(s_pool, cloud)
    return MixtureMap(al, np.linalg.pinv(al.wy), al.my)


def cal_from_transform(transform: Callable[[np.ndarray], np.ndarray], d_s: int, d_t: int):
    """A CAL module whose affine part reproduces an affine ``transform`` exactly (read off
    its images of 0 and the unit vectors); the nonlinear residual starts at zero."""
    import torch

    from m2kt.align.cal import build_cal

    mod = build_cal(d_s, d_t, hidden=8)
    b = np.asarray(transform(np.zeros((1, d_s))))[0]
    w = np.asarray(transform(np.eye(d_s))) - b
    with torch.no_grad():
        mod.affine.weight.copy_(torch.from_numpy(w.T.astype(np.float32)))
        mod.affine.bias.copy_(torch.from_numpy(b.astype(np.float32)))
    return mod
