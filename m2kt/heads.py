"""Linear softmax heads on frozen features, trained full-batch with L-BFGS.

Used for the language-track teachers (on ``teacher_train`` only) and, later, by the baselines.
``fit_softmax`` accepts hard labels or soft targets (rows summing to 1) and picks its L2
strength on an internal validation slice of the data it is given — never on other splits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearHead:
    """``logits = ((x - mean) / scale) @ weight.T + bias``. Shapes: weight (k, d), bias (k,),
    mean and scale (d,). All float32."""

    weight: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    l2: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        """(n, d) → (n, k) float32."""
        return (((x - self.mean) / self.scale) @ self.weight.T + self.bias).astype(np.float32)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.logits(x).argmax(1)

    def tensors(self) -> dict[str, np.ndarray]:
        """For safetensors: every array, plus the L2 strength as a 1-element array."""
        return {"weight": self.weight, "bias": self.bias, "mean": self.mean,
                "scale": self.scale, "l2": np.array([self.l2], dtype=np.float32)}

    @classmethod
    def from_tensors(cls, t: dict[str, np.ndarray]) -> LinearHead:
        return cls(t["weight"], t["bias"], t["mean"], t["scale"], float(t["l2"][0]))


def _fit(x, targets, k: int, l2: float, iters: int,
         init: tuple[np.ndarray, np.ndarray] | None = None,
         centre: np.ndarray | None = None):
    """Minimise the (convex) L2-regularised cross-entropy by L-BFGS from ``init`` (weights
    (k, d), bias (k,)) or zeros. Warm starts change the path, not the optimum. ``centre``
    (k, d): the penalty is ``l2``·‖W − centre‖² instead of ``l2``·‖W‖² (L2-SP).

    Computed in float32: on the packet readouts' problems it reaches float64's objective to
    a relative 1e-5 or better, 2-3× faster (``scripts/bench_heads.py``,
    ``docs/results/perf/heads.json``)."""
    import torch

    dt = torch.float32
    xt = torch.as_tensor(np.ascontiguousarray(x), dtype=dt)
    tt = torch.as_tensor(np.ascontiguousarray(targets), dtype=dt)
    if init is None:
        w = torch.zeros(k, x.shape[1], dtype=dt, requires_grad=True)
        b = torch.zeros(k, dtype=dt, requires_grad=True)
    else:
        w = torch.tensor(init[0], dtype=dt, requires_grad=True)
        b = torch.tensor(init[1], dtype=dt, requires_grad=True)
    c = 0.0 if centre is None else torch.tensor(np.array(centre), dtype=dt)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=iters, history_size=20,
                            line_search_fn="strong_wolfe", tolerance_grad=1e-7)

    def closure():
        opt.zero_grad()
        logp = torch.log_softmax(torch.addmm(b, xt, w.T), dim=1)
        loss = -(tt * logp).sum(1).mean() + l2 * ((w - c) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy().astype(np.float32), b.detach().numpy().astype(np.float32)


def fit_softmax(
    x: np.ndarray, y: np.ndarray, n_classes: int,
    l2_grid: tuple[float, ...] = (1e-4, 1e-3, 1e-2), iters: int = 300, seed: int = 0,
    init: LinearHead | None = None, span: bool = False,
) -> LinearHead:
    """Fit a softmax head to features ``x`` (n, d) and labels ``y``: int (n,) or soft (n, k).

    The L2 strength is chosen on a seeded 15 % validation slice of (x, y) by accuracy against
    the argmax target, then the head is refit on all of (x, y). ``init``: a head over the same
    d features (e.g. one fitted on a subset) to start the first fit from — the objective is
    convex, so it changes the path, not the optimum.

    ``span``: fit in an orthonormal basis of the span of the standardised features and map the
    weights back — the same optimum (an L2-regularised optimum's weights lie in the span of the
    rows it is fitted on), much cheaper when d is far above the features' rank (the relative
    readout's 2,010 cosines of 384-dimensional vectors have rank ≤ 385).
    """
    x = np.asarray(x, dtype=np.float64)
    targets = np.eye(n_classes)[y] if y.ndim == 1 else np.asarray(y, dtype=np.float64)
    mean = x.mean(0)
    scale = x.std(0) + 1e-6
    z = (x - mean) / scale
    start = None if init is None else _restandardise(init, mean, scale)
    basis = _row_span(z) if span else None
    if basis is not None:
        z = z @ basis
        start = None if start is None else (start[0] @ basis, start[1])
    best, init_wb = l2_grid[0], start
    if len(l2_grid) > 1 and len(x) >= 20:
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(x))
        cut = max(1, int(0.15 * len(x)))
        va, tr = perm[:cut], perm[cut:]
        scores, fits = [], []
        for l2 in sorted(l2_grid, reverse=True):  # strongest first: each warm-starts the next
            fits.append(_fit(z[tr], targets[tr], n_classes, l2, iters,
                             fits[-1] if fits else start))
            w, b = fits[-1]
            pred = (z[va] @ w.T + b).argmax(1)
            scores.append(((pred == targets[va].argmax(1)).mean(), l2))
        # the best validation accuracy; ties to the grid's first (as before the warm starts)
        i = max(range(len(scores)), key=lambda j: (scores[j][0], -l2_grid.index(scores[j][1])))
        best, init_wb = scores[i][1], fits[i]
    w, b = _fit(z, targets, n_classes, best, iters, init_wb)
    if basis is not None:
        w = (w @ basis.T).astype(np.float32)
    return LinearHead(w, b, mean.astype(np.float32), scale.astype(np.float32), best)


def refit_towards(head: LinearHead, x: np.ndarray, targets: np.ndarray, mu: float,
                  iters: int = 200) -> LinearHead:
    """``head`` adapted to a few labelled rows: its weights W minimise the mean cross-entropy of
    ``softmax(((x - mean) / scale) Wᵀ + b)`` to ``targets`` plus ``mu``·‖W − W₀‖², W₀ the
    given weights (L2-SP, Li et al., 2018; the bias is free), by L-BFGS from W₀.

    ``x`` (n, d) rows in the head's feature space (standardised by the head's own ``mean`` and
    ``scale``, which are kept); ``targets`` (n, k) soft answers (rows summing to 1). Returns a
    new head; ``mu`` → ∞ returns W₀, a small ``mu`` fits the rows. Used by ingestion to correct
    the packet's relative readout for the student's own profiles with the packet's anchors."""
    if mu <= 0 or not np.isfinite(mu):
        raise ValueError(f"refit_towards needs a finite mu > 0, not {mu!r}")
    z = (np.asarray(x, np.float64) - head.mean) / head.scale
    w0, b0 = np.array(head.weight), np.array(head.bias)  # copies: a packet's are read-only
    w, b = _fit(z, np.asarray(targets), w0.shape[0], mu, iters, (w0, b0), centre=w0)
    return LinearHead(w, b, head.mean, head.scale, head.l2)


def _row_span(z: np.ndarray, rtol: float = 1e-7, sample: int = 2048) -> np.ndarray | None:
    """An orthonormal basis (d, r) of the span of the rows of ``z`` (n, d) — the eigenvectors
    of ``zᵀz`` above ``rtol`` of the largest eigenvalue — or ``None`` when that span is (nearly)
    all of the d dimensions, where a reduced fit would save nothing.

    When both n and d exceed ``sample`` (the relative readout: thousands of inputs × 10,000
    strings, rank ≤ 385) the (d, d) ``zᵀz``, whose eigendecomposition costs d³, is not formed:
    see :func:`_sampled_span`, which falls back to it when its check fails."""
    n, d = z.shape
    if n > sample and d > sample:
        basis = _sampled_span(z, rtol, sample)
        if basis is not None:
            return None if basis.shape[1] > 0.75 * d else basis
    gram = z.T @ z
    ev, vec = np.linalg.eigh(gram)
    keep = ev > rtol * max(float(ev[-1]), 1e-30)
    if keep.sum() > 0.75 * z.shape[1]:
        return None
    return np.ascontiguousarray(vec[:, keep])


#: the sample's span: its Gram matrix's eigenvalues above this share of the largest (float64
#: rounding sits near 1e-16 of it); far below ``rtol``, so that the span holds every direction
#: the cut keeps, even when a few directions dominate (a decoder LM's cosine profiles)
NUMERIC_RANK_TOL = 1e-12


def _sampled_span(z: np.ndarray, rtol: float, sample: int, block: int = 4096
                  ) -> np.ndarray | None:
    """:func:`_row_span` through a sample: the span of ``sample`` seeded rows of ``z`` (n, d)
    (from their (sample, sample) Gram matrix), rotated onto the eigenvectors of ``zᵀz`` within
    it (from the (r, r) matrix ``(zB)ᵀ(zB)``) and cut where the full decomposition cuts (above
    ``rtol`` of the largest eigenvalue), so the basis is the one it gives, up to signs — kept
    only if the rows' energy outside the span, summed in row blocks, is below that cut.
    ``None`` when the check fails or the sample fills its own dimension (the span may then be
    larger than the sample)."""
    rows = z[np.sort(np.random.default_rng(0).choice(len(z), sample, replace=False))]
    ev, vec = np.linalg.eigh(rows @ rows.T)
    keep = ev > NUMERIC_RANK_TOL * max(float(ev[-1]), 1e-30)  # the sample's whole span
    if keep.sum() > 0.9 * sample:
        return None
    basis, _ = np.linalg.qr(rows.T @ (vec[:, keep] / np.sqrt(ev[keep])))
    outside = 0.0
    inner = np.zeros((basis.shape[1], basis.shape[1]))
    for s in range(0, len(z), block):
        zb = z[s:s + block]
        proj = zb @ basis
        inner += proj.T @ proj
        r = zb - proj @ basis.T
        outside += float((r * r).sum())
    ev, vec = np.linalg.eigh(inner)
    top = max(float(ev[-1]), 1e-30)
    # every row's energy outside the sample's span, summed, bounds the largest eigenvalue of
    # zᵀz the span misses: below the cut, the full decomposition would drop that direction too
    if outside > rtol * top:
        return None
    return np.ascontiguousarray(basis @ vec[:, ev > rtol * top])


def _restandardise(head: LinearHead, mean: np.ndarray, scale: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``head``'s weights (k, d) and bias (k,) rewritten for features standardised by
    ``mean`` and ``scale`` (d,) instead of its own: the same logits on every input."""
    w0 = head.weight.astype(np.float64) / head.scale.astype(np.float64)  # per raw feature
    b0 = head.bias.astype(np.float64) - w0 @ head.mean.astype(np.float64)
    return (w0 * scale).astype(np.float32), (b0 + w0 @ mean).astype(np.float32)
