"""The concept readout of an ingested student: answers from CAL-mapped vectors in teacher space
using only the packet — its teacher readout when it carries one, else its manifolds:

- class tasks: the concept (= label) with the nearest centroid (Euclidean, or by cosine about
  the centroids' mean; which one is chosen per packet by the anchor cross-validation of
  :mod:`m2kt.ingest.select`);
- pair tasks: "yes" when the log-density under the queried concept's manifold exceeds that
  concept's threshold — the median score over the student's own unlabelled inputs asking about
  it (label-free; the pair tasks are balanced by construction).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from m2kt.concepts import readout as concept_readout
from m2kt.concepts.manifold import Manifolds
from m2kt.heads import LinearHead

PAIR_TASKS = ("hypernymy", "taxonomy")


def manifolds_of(tensors: dict[str, np.ndarray], main_layer: int) -> Manifolds:
    return Manifolds(tensors[f"centroids.L{main_layer}"], tensors["basis"], tensors["spreads"],
                     tensors["residual_var"], tensors["counts"])


def pair_scores(y: np.ndarray, queries: Sequence[int], man: Manifolds) -> np.ndarray:
    """Log-density of each mapped point under its queried concept's manifold."""
    out = np.empty(len(y))
    q = np.asarray(queries)
    for c in np.unique(q):
        m = q == c
        sub = Manifolds(man.centroids[c:c + 1], man.basis[c:c + 1], man.spreads[c:c + 1],
                        man.residual_var[c:c + 1], man.counts[c:c + 1])
        out[m] = sub.log_density(y[m])[:, 0]
    return out


def thresholds(y: np.ndarray, queries: Sequence[int], man: Manifolds, k: int) -> np.ndarray:
    """Per-concept median of pair scores over unlabelled inputs (global median as fallback)."""
    s = pair_scores(y, queries, man)
    q = np.asarray(queries)
    th = np.full(k, np.median(s) if len(s) else 0.0)
    for c in np.unique(q):
        th[c] = np.median(s[q == c])
    return th


def predict(y: np.ndarray, man: Manifolds, task: str, labels: Sequence[str],
            queries: Sequence[int] | None = None, th: np.ndarray | None = None,
            head: LinearHead | None = None, cosine: bool = False) -> np.ndarray:
    """Label indices for mapped points ``y`` (n, d_t).  With the packet's teacher readout
    ``head`` (:mod:`m2kt.concepts.readout`) that head answers; otherwise the manifold rules
    of the module doc — class tasks by Euclidean distance, or (``cosine``) by the cosine
    about the mean of the live centroids (independent of the batch being answered). ``th``:
    pair tasks, the per-concept thresholds; class tasks, per-concept offsets (k,) added to
    :func:`class_scores` (label-free prior calibration; ``None``: no offsets)."""
    if task in PAIR_TASKS:
        if head is not None:
            return head.predict(concept_readout.features(
                y, man.centroids.astype(np.float64), np.asarray(queries)))
        yes = list(labels).index("yes")
        s = pair_scores(y, queries, man)
        return np.where(s > th[np.asarray(queries)], yes, 1 - yes)
    s = class_scores(y, man, head, cosine)
    return (s if th is None else s + th).argmax(1)


def class_scores(y: np.ndarray, man: Manifolds, head: LinearHead | None = None,
                 cosine: bool = False) -> np.ndarray:
    """Class tasks: (n, k) scores of mapped points ``y`` (n, d_t), higher = more likely — the
    teacher readout's logits, or the cosine to each live centroid about their mean, or minus
    the squared Euclidean distance; concepts without members score ``-inf``."""
    if head is not None:
        return head.logits(concept_readout.features(y, man.centroids.astype(np.float64), None)
                           ).astype(np.float64)
    live = man.counts > 0
    cent = man.centroids.astype(np.float64)
    if cosine:
        c0 = cent[live].mean(0)
        a, b = y - c0, cent - c0
        s = (a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)) @ (
            b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)).T
    else:
        s = -((y[:, None, :] - cent[None, :, :]) ** 2).sum(-1)
    s[:, ~live] = -np.inf
    return s
