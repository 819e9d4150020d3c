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


def fit_head(x: np.ndarray, proba: np.ndarray, seed: int = 0, span: bool = False,
             l2: float | None = None) -> tuple[LinearHead, float]:
    """A softmax head on features ``x`` (n, f) fitted to answer distributions ``proba``
    (n, L); returns it and its agreement with the argmax on a seeded 20 % held out (the L2
    strength is chosen on the other 80 %, or fixed at ``l2``). ``span``: see
    :func:`m2kt.heads.fit_softmax`."""
    perm = np.random.default_rng(seed).permutation(len(x))
    cut = max(1, len(x) // 5)
    va, tr = perm[:cut], perm[cut:]
    grid = {} if l2 is None else {"l2_grid": (l2,)}
    probe = fit_softmax(x[tr], proba[tr], proba.shape[1], seed=seed, span=span, **grid)
    agreement = float((probe.predict(x[va]) == proba[va].argmax(1)).mean())
    return (fit_softmax(x, proba, proba.shape[1], l2_grid=(probe.l2,), seed=seed, init=probe,
                        span=span),
            agreement)


def fit(h: np.ndarray, proba: np.ndarray, centroids: np.ndarray, queries: np.ndarray | None,
        seed: int = 0) -> tuple[LinearHead, float]:
    """Fit the readout to the teacher's answer distributions ``proba`` (n, L); returns it
    and its agreement with the teacher's argmax on a seeded 20 % of the inputs held out."""
    return fit_head(features(h, centroids, queries), proba, seed)


def to_tensors(head: LinearHead, prefix: str = PREFIX) -> dict[str, np.ndarray]:
    """The head as packet tensors ``<prefix>weight|bias|mean|scale`` (float32)."""
    return {prefix + p: np.ascontiguousarray(getattr(head, p), np.float32) for p in PARTS}


def from_tensors(t: dict[str, np.ndarray], prefix: str = PREFIX) -> LinearHead | None:
    """The packet's head under ``prefix``, or ``None`` when it carries none."""
    if not all(prefix + p in t for p in PARTS):
        return None
    return LinearHead(*(t[prefix + p] for p in PARTS), 0.0)


def head_shapes(prefix: str, n_labels: int, f: int) -> dict[str, tuple[int, ...]]:
    """Tensor shapes of a head with ``n_labels`` outputs over ``f`` features."""
    return {prefix + "weight": (n_labels, f), prefix + "bias": (n_labels,),
            prefix + "mean": (f,), prefix + "scale": (f,)}


def expected_shapes(n_labels: int, d: int, pair: bool) -> dict[str, tuple[int, ...]]:
    return head_shapes(PREFIX, n_labels, 4 * d if pair else d)
