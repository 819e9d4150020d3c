"""Distillation baselines of the benchmark on the language track: a softmax head on the
frozen student's task features (the same features and linear capacity as M2KT's readout).

- :func:`kd_head` — logit KD: the head fitted full-batch (L-BFGS) to temperature-softened
  teacher distributions; temperature and L2 strength chosen on a 15 % slice of its own
  ``N`` inputs by agreement with the teacher (never on ``dev``/``test`` labels).
- :func:`kd_ssl_head` — the same KD *plus* the student's own unlabelled pool (the pool M2KT
  reads) with the label-free steps of :mod:`m2kt.ssl`: self-training on confident pseudo-labels
  (class-balanced), label propagation over the pool's kNN graph from the KD inputs, spreading
  of the KD head's own answers on the pool over that graph (M2KT's ``transductive`` stage
  without the packet) and, on pair tasks, per-query balancing of the "yes" rate. Which of
  these runs is chosen by cross-validated agreement with the teacher on the ``N`` inputs
  (3 folds below 200 inputs, one 15 % slice above).

``targets`` are (n, k) probabilities: the teacher's (KD) or one-hot labels (labels baseline).
Predictors return label indices for feature rows (and, on pair tasks, their query ids).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from m2kt import ssl
from m2kt.heads import LinearHead, fit_softmax

TEMPERATURES = (1.0, 3.0)
#: at most this many rows fit the candidate (temperature, L2) pairs; the chosen pair is then
#: refit once on every row (the choice transfers, the cost of a 17k-row sweep does not)
SELECT_ROWS = 4000
#: at most this many pseudo-labelled pool rows join a self-training refit
PSEUDO_ROWS = 4000

Predictor = Callable[[np.ndarray, np.ndarray | None], np.ndarray]


@dataclass(frozen=True)
class BaselineResult:
    """One trained baseline student: its predictions on the evaluation split, accuracy,
    seconds, and what its own validation chose (temperature; the semi-supervised recipe)."""

    acc: float
    seconds: float
    pred: np.ndarray
    temperature: float | None = None
    choice: str | None = None


def soften(proba: np.ndarray, t: float) -> np.ndarray:
    """Teacher probabilities (n, k) → softmax(log p / t), (n, k) float64."""
    z = np.log(np.clip(proba.astype(np.float64), 1e-12, 1.0)) / t
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def kd_head(x: np.ndarray, targets: np.ndarray, seed: int, soft: bool = True
            ) -> tuple[LinearHead, float | None]:
    """Softmax head on ``x`` (n, d) fitted to ``targets`` (n, k); see module doc. Returns the
    head and the chosen temperature (None for hard labels)."""
    k = targets.shape[1]
    best_t, l2_grid, init = 1.0, (1e-4, 1e-3, 1e-2), None
    if len(x) >= 20:
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(x))
        cut = max(1, int(0.15 * len(x)))
        va, tr = perm[:cut], perm[cut:SELECT_ROWS + cut]
        scores, h = [], None
        for t in (TEMPERATURES if soft else (1.0,)):
            y_tr = soften(targets[tr], t) if soft else targets[tr]
            h = fit_softmax(x[tr], y_tr, k, l2_grid=l2_grid, seed=seed, init=h)
            scores.append((float((h.predict(x[va]) == targets[va].argmax(1)).mean()), t, h))
        _, best_t, best = max(scores, key=lambda s: s[0])
        l2_grid, init = (best.l2,), best
    y = soften(targets, best_t) if soft else targets
    return fit_softmax(x, y, k, l2_grid=l2_grid, seed=seed, init=init), (best_t if soft else None)


def frozen_head(x: np.ndarray, targets: np.ndarray, x_eval: np.ndarray, y_eval: np.ndarray,
                seed: int, soft: bool = True) -> BaselineResult:
    """KD (``soft``) or supervised training of a head; accuracy on ``(x_eval, y_eval)``."""
    t0 = time.perf_counter()
    head, t = kd_head(x, targets, seed, soft)
    pred = head.predict(x_eval)
    return BaselineResult(float((pred == y_eval).mean()), time.perf_counter() - t0, pred, t)


# ------------------------------------------------------------------------------ kd + pool (SSL)


def _head(x: np.ndarray, targets: np.ndarray, t: float, l2: float, seed: int) -> LinearHead:
    return fit_softmax(x, soften(targets, t), targets.shape[1], l2_grid=(l2,), seed=seed)


def _recipes(x: np.ndarray, targets: np.ndarray, rows: np.ndarray, pool: np.ndarray,
             graph: tuple[np.ndarray, np.ndarray], where: np.ndarray, t: float, l2: float,
             seed: int, q_pool: np.ndarray | None) -> dict[str, Predictor]:
    """Every kd_ssl recipe fitted on the KD rows ``rows`` of ``(x, targets)`` and the
    unlabelled ``pool`` (temperature ``t`` and L2 ``l2`` fixed, as chosen for KD): a
    predictor ``(features, queries) → labels`` per recipe. ``graph``: a kNN graph whose first
    ``len(pool)`` nodes are the pool; ``where[i]``: the node of KD row ``i`` in it (label
    propagation seeds only ``rows``). ``q_pool``: pool query ids."""
    xr, tr = x[rows], targets[rows]
    base = _head(xr, tr, t, l2, seed)
    n = len(pool)
    k = targets.shape[1]
    y0 = np.full((len(graph[0]), k), 1.0 / k)  # nodes past the pool: the KD rows, unknown
    y0[:n] = np.eye(k)[base.predict(pool)] * 0.9 + 0.1 / k
    y0[where[rows]] = tr
    pseudo = {"self-train": _softmax(base.logits(pool).astype(np.float64)),
              "label-prop": ssl.propagate(*graph, tr, where[rows])[:n],
              "spread": ssl.spread(*graph, y0)[:n]}
    heads = {"kd": base}
    for name, p in pseudo.items():
        if q_pool is None:  # class tasks: balance the pseudo-labels to the KD targets' mass
            p = ssl.balance(p, tr.mean(0) + 1e-3)
        keep = ssl.confident(p, 0.5)
        if len(keep) > PSEUDO_ROWS:
            keep = np.sort(np.random.default_rng(seed).choice(keep, PSEUDO_ROWS, replace=False))
        heads[name] = fit_softmax(np.concatenate([xr, pool[keep]]),
                                  np.concatenate([soften(tr, t), soften(p[keep], 0.5)]),
                                  targets.shape[1], l2_grid=(l2,), seed=seed, init=base)
    return {name: _predictor(h, pool, q_pool) for name, h in heads.items()}


def _predictor(head: LinearHead, pool: np.ndarray, q_pool: np.ndarray | None) -> Predictor:
    """Class tasks: the head's argmax. Pair tasks: "yes" when the head's yes-margin exceeds
    the query's median margin over the pool (each query's "yes" rate one half there)."""
    if q_pool is None:
        return lambda f, q=None: head.predict(f)
    z = head.logits(pool)
    th = ssl.balance_pairs(z[:, 1] - z[:, 0], q_pool)

    def predict_pair(f: np.ndarray, q: np.ndarray | None) -> np.ndarray:
        zz = head.logits(f)
        qq = np.asarray(q)
        t = np.where(qq < len(th), th[np.minimum(qq, len(th) - 1)], 0.0)
        return ((zz[:, 1] - zz[:, 0]) > t).astype(int)

    return predict_pair


def _folds(n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, validation) index pairs: 3 folds below 200 rows, one 15 % slice above."""
    perm = np.random.default_rng(seed + 17).permutation(n)
    if n >= 200:
        cut = int(0.15 * n)
        return [(np.sort(perm[cut:]), perm[:cut])]
    parts = np.array_split(perm, 3)
    return [(np.sort(np.concatenate([p for j, p in enumerate(parts) if j != i])), parts[i])
            for i in range(3)]


#: the kd_ssl recipes offered to the validation, in order of preference on ties
RECIPES = ("kd", "self-train", "label-prop", "spread")


def kd_ssl_head(x: np.ndarray, targets: np.ndarray, pool: np.ndarray, x_eval: np.ndarray,
                y_eval: np.ndarray, seed: int, q: np.ndarray | None = None,
                q_pool: np.ndarray | None = None, q_eval: np.ndarray | None = None,
                kd: tuple[LinearHead, float | None] | None = None,
                pool_graph: tuple[np.ndarray, np.ndarray] | None = None,
                in_pool: np.ndarray | None = None) -> BaselineResult:
    """KD on ``(x, targets)`` plus the unlabelled ``pool`` features; see module doc. ``q``,
    ``q_pool``, ``q_eval``: query ids of the rows on pair tasks (None on class tasks).
    ``kd``: the plain KD head and temperature already fitted on ``(x, targets)`` (their
    temperature and L2 are reused; fitted here when absent). ``pool_graph`` and ``in_pool``:
    the pool's kNN graph (:func:`m2kt.ssl.knn_graph`) and each KD row's index in the pool,
    when the KD inputs are pool inputs (the graph is then built once per pool)."""
    t0 = time.perf_counter()
    head, t = kd or kd_head(x, targets, seed)
    t = 1.0 if t is None else t
    if pool_graph is not None and in_pool is not None:
        graph, where = pool_graph, np.asarray(in_pool)
    else:  # one graph over the pool and the KD inputs
        graph = ssl.knn_graph(np.concatenate([pool, x]))
        where = len(pool) + np.arange(len(x))
    choice = RECIPES[0]
    if len(x) >= 8:  # a fold's validation rows stay unlabelled in the graph
        scores = {r: [] for r in RECIPES}
        for tr, va in _folds(len(x), seed):
            fitted = _recipes(x, targets, tr, pool, graph, where, t, head.l2, seed, q_pool)
            for r, f in fitted.items():
                scores[r].append(float((f(x[va], None if q is None else q[va])
                                        == targets[va].argmax(1)).mean()))
        choice = max(RECIPES, key=lambda r: (np.mean(scores[r]), -RECIPES.index(r)))
    final = _recipes(x, targets, np.arange(len(x)), pool, graph, where, t, head.l2, seed,
                     q_pool)
    pred = final[choice](x_eval, q_eval)
    return BaselineResult(float((pred == y_eval).mean()), time.perf_counter() - t0, pred,
                          t, choice)


def payload_bytes(texts: Sequence[str], n_labels: int) -> int:
    """Bytes KD moves from teacher to student: the inputs (UTF-8) and float32 logits."""
    return sum(len(t.encode()) for t in texts) + 4 * n_labels * len(texts)
