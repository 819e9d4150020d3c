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

The ``_prior`` arms (BENCHMARK v3) may use the teacher's class histogram ``prior`` (k,) — the
one a packet ships: :func:`with_prior` adds per-class offsets that make a head's answers on the
student's pool follow it (:func:`m2kt.ssl.prior_offsets`), and :func:`kd_ssl_head` given a
``prior`` balances its pseudo-labels to it as well. On language class tasks a KD head's
``_prior`` answers also lean on the student's own label-name scores (its cosines to its own
vectors of the concept labels — what the ``prior`` arm starts from, nothing that crosses):
:func:`with_names` adds them, weighted by :func:`names_weight`, chosen on the head's own N
inputs by cross-validated agreement with the teacher (a weight of 0 leaves the head as it is).
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
    #: the same student's answers with per-class offsets to the teacher's class histogram
    #: (the ``_prior`` arm; class tasks), and their accuracy
    pred_prior: np.ndarray | None = None
    acc_prior: float | None = None


def with_prior(logits_pool: np.ndarray, logits_eval: np.ndarray, prior: np.ndarray
               ) -> np.ndarray:
    """Answers (n_eval,) of a scorer whose per-class offsets make its answers on the pool
    (``logits_pool`` (n, k)) follow the class histogram ``prior`` (k,); label-free."""
    from m2kt.ssl import prior_offsets

    return (logits_eval + prior_offsets(logits_pool, prior)).argmax(1)


def prior_result(res: BaselineResult, logits_pool: np.ndarray, logits_eval: np.ndarray,
                 prior: np.ndarray | None, y_eval: np.ndarray) -> BaselineResult:
    """``res`` with its ``_prior`` answers added (unchanged without a ``prior``)."""
    if prior is None:
        return res
    from dataclasses import replace

    pred = with_prior(logits_pool, logits_eval, prior)
    return replace(res, pred_prior=pred, acc_prior=float((pred == y_eval).mean()))

#: the weights :func:`names_weight` chooses from (0: the KD head alone)
NAME_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def with_names(z_head: np.ndarray, z_names: np.ndarray, w: float) -> np.ndarray:
    """(n, k) log-probabilities of a KD head ``z_head`` plus ``w`` × those of the student's
    label-name scores ``z_names`` (n, k): a product of the two answers."""
    return _log_softmax(z_head) + w * _log_softmax(z_names)


def names_weight(x: np.ndarray, targets: np.ndarray, z_names: np.ndarray, head: LinearHead,
                 t: float, seed: int) -> float:
    """The weight of the label-name scores ``z_names`` (n, k) of the KD inputs ``x`` (n, d)
    beside a KD head fitted to ``targets`` (n, k) at temperature ``t`` and ``head``'s L2: the
    one of :data:`NAME_WEIGHTS` whose combined answers agree most with the teacher's top
    answers on held-out KD inputs (3 folds below 200 inputs, one 15 % slice above, at most
    :data:`SELECT_ROWS` training rows; ties go to the smaller weight). Uses nothing but the
    head's own N inputs and their teacher answers."""
    n, k = targets.shape
    if n < 6:
        return 0.0  # too few inputs to choose on: the head alone
    rng = np.random.default_rng(seed + 7)
    perm = rng.permutation(n)
    folds = (np.array_split(perm, 3) if n < 200 else [perm[:max(1, int(0.15 * n))]])
    agree = np.zeros(len(NAME_WEIGHTS))
    top = targets.argmax(1)
    for va in folds:
        tr = np.setdiff1d(perm, va)[:SELECT_ROWS]
        h = fit_softmax(x[tr], soften(targets[tr], t), k, l2_grid=(head.l2,), seed=seed)
        zh = h.logits(x[va])
        for i, w in enumerate(NAME_WEIGHTS):
            agree[i] += float((with_names(zh, z_names[va], w).argmax(1) == top[va]).sum())
    return float(NAME_WEIGHTS[int(np.argmax(agree))])


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
                seed: int, soft: bool = True, pool: np.ndarray | None = None,
                prior: np.ndarray | None = None) -> BaselineResult:
    """KD (``soft``) or supervised training of a head; accuracy on ``(x_eval, y_eval)``; with
    ``pool`` features and a ``prior``, its ``_prior`` answers too (:func:`prior_result`)."""
    t0 = time.perf_counter()
    head, t = kd_head(x, targets, seed, soft)
    z = head.logits(x_eval)
    pred = z.argmax(1)
    res = BaselineResult(float((pred == y_eval).mean()), time.perf_counter() - t0, pred, t)
    if pool is None:
        return res
    return prior_result(res, head.logits(pool), z, prior, y_eval)


# ------------------------------------------------------------------------------ kd + pool (SSL)


def _head(x: np.ndarray, targets: np.ndarray, t: float, l2: float, seed: int) -> LinearHead:
    return fit_softmax(x, soften(targets, t), targets.shape[1], l2_grid=(l2,), seed=seed)


def _recipes(x: np.ndarray, targets: np.ndarray, rows: np.ndarray, pool: np.ndarray,
             graph: tuple[np.ndarray, np.ndarray], where: np.ndarray, t: float, l2: float,
             seed: int, q_pool: np.ndarray | None, prior: np.ndarray | None = None,
             only: str | None = None) -> dict[str, Predictor]:
    """Every kd_ssl recipe fitted on the KD rows ``rows`` of ``(x, targets)`` and the
    unlabelled ``pool`` (temperature ``t`` and L2 ``l2`` fixed, as chosen for KD): a
    predictor ``(features, queries) → labels`` per recipe. ``graph``: a kNN graph whose first
    ``len(pool)`` nodes are the pool; ``where[i]``: the node of KD row ``i`` in it (label
    propagation seeds only ``rows``). ``q_pool``: pool query ids. ``prior`` (class tasks): the
    teacher's class histogram, to which pseudo-labels are balanced (instead of the KD targets'
    mass) and whose offsets every predictor adds (:func:`with_prior`). ``only``: fit that
    recipe alone (its predictor is the only one returned)."""
    xr, tr = x[rows], targets[rows]
    base = _head(xr, tr, t, l2, seed)
    n = len(pool)
    k = targets.shape[1]
    want = RECIPES if only is None else (only,)
    pseudo: dict[str, np.ndarray] = {}
    if "self-train" in want:
        pseudo["self-train"] = _softmax(base.logits(pool).astype(np.float64))
    if "label-prop" in want:
        pseudo["label-prop"] = ssl.propagate(*graph, tr, where[rows])[:n]
    if "spread" in want:
        y0 = np.full((len(graph[0]), k), 1.0 / k)  # nodes past the pool: the KD rows, unknown
        y0[:n] = np.eye(k)[base.predict(pool)] * 0.9 + 0.1 / k
        y0[where[rows]] = tr
        pseudo["spread"] = ssl.spread(*graph, y0)[:n]
    heads = {"kd": base} if "kd" in want else {}
    for name, p in pseudo.items():
        if q_pool is None:  # class tasks: balance the pseudo-labels to the KD targets' mass
            p = ssl.balance(p, (tr.mean(0) if prior is None else prior) + 1e-3)
        keep = ssl.confident(p, 0.5)
        if len(keep) > PSEUDO_ROWS:
            keep = np.sort(np.random.default_rng(seed).choice(keep, PSEUDO_ROWS, replace=False))
        heads[name] = fit_softmax(np.concatenate([xr, pool[keep]]),
                                  np.concatenate([soften(tr, t), soften(p[keep], 0.5)]),
                                  targets.shape[1], l2_grid=(l2,), seed=seed, init=base)
    return {name: _predictor(h, pool, q_pool, prior) for name, h in heads.items()}


def _predictor(head: LinearHead, pool: np.ndarray, q_pool: np.ndarray | None,
               prior: np.ndarray | None = None) -> Predictor:
    """Class tasks: the head's argmax (with a ``prior``: after the offsets that make its
    answers on the pool follow it). Pair tasks: "yes" when the head's yes-margin exceeds
    the query's median margin over the pool (each query's "yes" rate one half there)."""
    if q_pool is None:
        if prior is None:
            return lambda f, q=None: head.predict(f)
        offsets = ssl.prior_offsets(head.logits(pool), prior)
        return lambda f, q=None: (head.logits(f) + offsets).argmax(1)
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
                in_pool: np.ndarray | None = None,
                prior: np.ndarray | None = None) -> BaselineResult:
    """KD on ``(x, targets)`` plus the unlabelled ``pool`` features; see module doc. ``q``,
    ``q_pool``, ``q_eval``: query ids of the rows on pair tasks (None on class tasks).
    ``kd``: the plain KD head and temperature already fitted on ``(x, targets)`` (their
    temperature and L2 are reused; fitted here when absent). ``pool_graph`` and ``in_pool``:
    the pool's kNN graph (:func:`m2kt.ssl.knn_graph`) and each KD row's index in the pool,
    when the KD inputs are pool inputs (the graph is then built once per pool). ``prior``
    (class tasks): also the ``kd_ssl_prior`` arm's answers (``pred_prior``) — the recipe the
    validation chose, refitted with its pseudo-labels balanced to the teacher's class
    histogram and offsets that make its answers on the pool follow it (:func:`_recipes`)."""
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
    every = np.arange(len(x))
    final = _recipes(x, targets, every, pool, graph, where, t, head.l2, seed, q_pool,
                     only=choice)
    pred = final[choice](x_eval, q_eval)
    res = BaselineResult(float((pred == y_eval).mean()), time.perf_counter() - t0, pred,
                         t, choice)
    if prior is None or q_pool is not None:
        return res
    fp = _recipes(x, targets, every, pool, graph, where, t, head.l2, seed, q_pool, prior,
                  only=choice)
    pp = fp[choice](x_eval, q_eval)
    return BaselineResult(res.acc, time.perf_counter() - t0, pred, t, choice, pp,
                          float((pp == y_eval).mean()))


def payload_bytes(texts: Sequence[str], n_labels: int) -> int:
    """Bytes KD moves from teacher to student: the inputs (UTF-8) and float32 logits."""
    return sum(len(t.encode()) for t in texts) + 4 * n_labels * len(texts)
