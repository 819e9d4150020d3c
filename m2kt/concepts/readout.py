"""The teacher's readout in concept space (DESIGN §2, optional packet part).

A softmax head over teacher-space features, fitted **teacher-side** to the teacher's own
answer distributions on its own inputs (never to gold labels):

- class tasks: the features are the main-layer vector ``h`` (n, d);
- pair tasks: ``[h, μ_q, h ⊙ μ_q, |h − μ_q|]`` (n, 4d) with ``μ_q`` the packet centroid of the
  queried concept — the readout asks "does this vector belong under that concept?".

The packet stores it as tensors ``readout.weight`` (L, f), ``readout.bias`` (L,),
``readout.mean`` (f,), ``readout.scale`` (f,) with L the number of labels.  The student applies
it to its CAL-mapped vectors.
"""

from __future__ import annotations

import numpy as np

from m2kt.heads import LinearHead, fit_softmax

PREFIX = "readout."
PARTS = ("weight", "bias", "mean", "scale")


def features(h: np.ndarray, centroids: np.ndarray, queries: np.ndarray | None) -> np.ndarray:
    """(n, d) vectors (+ queried concept indices for pair tasks) → readout features."""
    if queries is None:
        return h
    mu = centroids[np.asarray(queries)]
    return np.concatenate([h, mu, h * mu, np.abs(h - mu)], axis=1)


def fit(h: np.ndarray, proba: np.ndarray, centroids: np.ndarray, queries: np.ndarray | None,
        seed: int = 0) -> tuple[LinearHead, float]:
    """Fit the readout to the teacher's answer distributions ``proba`` (n, L); returns it
    and its agreement with the teacher's argmax on a seeded 20 % of the inputs held out."""
    x = features(h, centroids, queries)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(x))
    cut = max(1, len(x) // 5)
    va, tr = perm[:cut], perm[cut:]
    probe = fit_softmax(x[tr], proba[tr], proba.shape[1], seed=seed)
    agreement = float((probe.predict(x[va]) == proba[va].argmax(1)).mean())
    head = fit_softmax(x, proba, proba.shape[1], l2_grid=(probe.l2,), seed=seed)
    return head, agreement


def to_tensors(head: LinearHead) -> dict[str, np.ndarray]:
    return {PREFIX + p: np.ascontiguousarray(getattr(head, p), np.float32) for p in PARTS}


def from_tensors(t: dict[str, np.ndarray]) -> LinearHead | None:
    """The packet's readout, or ``None`` when it carries none."""
    if not all(PREFIX + p in t for p in PARTS):
        return None
    return LinearHead(*(t[PREFIX + p] for p in PARTS), 0.0)


def expected_shapes(n_labels: int, d: int, pair: bool) -> dict[str, tuple[int, ...]]:
    f = 4 * d if pair else d
    return {PREFIX + "weight": (n_labels, f), PREFIX + "bias": (n_labels,),
            PREFIX + "mean": (f,), PREFIX + "scale": (f,)}
