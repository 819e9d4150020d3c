"""Choose the CAL's initial map and the student's readout from the packet's anchors alone.

For every candidate alignment method and readout, a K-fold cross-validation over the anchors:
fit the map on the other folds, map the held-out anchors, and count how often the readout on
the mapped vectors gives the answer the packet's teacher readout gives on those anchors'
*teacher* vectors.  No label, no test data and no extra input is used: only the anchors the
ledger already counts.  Readouts: ``head`` (the packet's teacher readout) and, for class
tasks, ``centroid`` (nearest concept centroid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from m2kt.align import make
from m2kt.concepts import readout as concept_readout
from m2kt.concepts.manifold import Manifolds
from m2kt.heads import LinearHead
from m2kt.ingest.readout import predict

CANDIDATE_METHODS = ("procrustes", "ridge")


@dataclass(frozen=True)
class Selection:
    method: str
    readout: str
    table: dict[str, float]  # "method/readout" → cross-validated agreement


def answers(y: np.ndarray, man: Manifolds, head: LinearHead | None, pair: bool,
            kind: str) -> np.ndarray:
    """Answers for vectors ``y`` (n, d_t): class tasks (n,) label indices; pair tasks (n, k)
    yes/no for every concept as the queried one (``head`` only)."""
    cent = man.centroids.astype(np.float64)
    if kind == "head" and head is not None:
        if pair:
            k = len(cent)
            f = concept_readout.features(np.repeat(y, k, axis=0), cent, np.tile(np.arange(k),
                                                                                 len(y)))
            return head.predict(f).reshape(len(y), k)
        return head.predict(y)
    if kind == "cosine":
        return predict(y, man, "class", [], cosine=True)
    d2 = ((y[:, None, :] - cent[None, :, :]) ** 2).sum(-1)
    d2[:, man.counts <= 0] = np.inf
    return d2.argmin(1)


def select(xs: np.ndarray, yt: np.ndarray, man: Manifolds, head: LinearHead | None, pair: bool,
           methods: Sequence[str] = CANDIDATE_METHODS, folds: int = 4,
           seed: int = 0, extra: dict[str, tuple[np.ndarray, str]] | None = None
           ) -> Selection:
    """Cross-validated choice of (alignment method, readout); see module doc. ``extra``: maps
    fitted without these anchors, as ``name → (the anchors mapped by it (n, d_t), readout
    kind)``, scored on all anchors and chosen like the others when they agree best."""
    kinds = ["head"] if pair else (["head", "centroid"] if head is not None else ["centroid"])
    if pair and head is None:
        return Selection(methods[0], "manifold", {})
    target = answers(yt.astype(np.float64), man, head, pair,
                     "head" if head is not None else "centroid")
    n = len(xs)
    fold = np.random.default_rng(seed).permutation(n) % max(2, min(folds, n))
    table: dict[str, float] = {}
    for meth in methods:
        mapped = np.zeros_like(yt, dtype=np.float64)
        for f in np.unique(fold):
            tr, te = fold != f, fold == f
            mapped[te] = make(meth).fit(xs[tr], yt[tr]).transform(xs[te])
        for kind in kinds:
            table[f"{meth}/{kind}"] = float((answers(mapped, man, head, pair, kind)
                                             == target).mean())
    for name, (mapped, kind) in (extra or {}).items():
        table[f"{name}/{kind}"] = float((answers(mapped, man, head, pair, kind) == target).mean())
    best = max(table, key=lambda key: (table[key], -list(table).index(key)))
    meth, kind = best.split("/")
    return Selection(meth, kind, table)
