"""Label-free semi-supervised steps on a student's own unlabelled inputs.

Shared by every method that may use them — the ``kd_ssl`` baseline of the benchmark and any
M2KT variant — so that M2KT never wins on machinery KD was denied (BENCHMARK.md, arms).
Every function is pure numpy, reads no gold label, and takes features the caller computed:

- :func:`knn_graph` — a symmetric cosine kNN affinity over centred features;
- :func:`propagate` — label propagation (Zhou et al., 2004) of seed distributions over it,
  with class-mass normalisation;
- :func:`spread` — label spreading of prior answers given to every row (nothing clamped);
- :func:`balance` — Sinkhorn rescaling of soft labels to given class marginals;
- :func:`margin_temperature` — the median top-1 − top-2 margin of a scorer's rows;
- :func:`prior_offsets` — per-class score offsets that make a scorer's answers follow a
  class prior (prior adjustment);
- :func:`balance_pairs` — per-query median thresholds (pair tasks: each queried concept's
  "yes" rate set to one half, as on a balanced task);
- :func:`confident` — the most confident rows per predicted class.
"""

from __future__ import annotations

import numpy as np


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    x = x - x.mean(0)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def knn_graph(x: np.ndarray, k: int = 10, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Indices (n, k) and weights (n, k) of each row's ``k`` nearest rows by cosine about the
    mean (self excluded); weights are the cosines clipped at 0. Computed in row blocks."""
    u = _unit(x)
    n = len(u)
    k = min(k, max(1, n - 1))
    idx = np.empty((n, k), dtype=np.int64)
    w = np.empty((n, k))
    for s in range(0, n, block):
        sim = u[s:s + block] @ u.T
        sim[np.arange(len(sim)), np.arange(s, s + len(sim))] = -np.inf
        part = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        idx[s:s + block] = part
        w[s:s + block] = np.clip(np.take_along_axis(sim, part, 1), 0.0, None)
    return idx, w


def propagate(idx: np.ndarray, w: np.ndarray, seeds: np.ndarray, seed_rows: np.ndarray,
              alpha: float = 0.9, iters: int = 20) -> np.ndarray:
    """Label propagation over the kNN graph ``(idx, w)`` of n rows.

    ``seeds`` (m, c) are distributions for rows ``seed_rows`` (m,); returns (n, c) row
    distributions: ``F ← α S F + (1 − α) Y`` with ``S`` the symmetrically normalised affinity
    (a sparse matrix), then class-mass normalisation (each class's total mass matched to its
    mass among the seeds) so that large classes do not swallow the rest."""
    n, c = len(idx), seeds.shape[1]
    s = _normalised_affinity(idx, w)
    y = np.zeros((n, c))
    y[seed_rows] = seeds
    f = y.copy()
    for _ in range(iters):
        f = alpha * (s @ f) + (1 - alpha) * y
    mass = seeds.sum(0) / max(seeds.sum(), 1e-12)
    f = np.maximum(f, 0.0)
    col = f.sum(0)
    f = f * np.where(col > 0, mass / np.maximum(col, 1e-12), 0.0)
    tot = f.sum(1, keepdims=True)
    out = np.where(tot > 0, f / np.maximum(tot, 1e-12), 1.0 / c)
    out[seed_rows] = seeds
    return out


def spread(idx: np.ndarray, w: np.ndarray, y0: np.ndarray, alpha: float = 0.8,
           iters: int = 20) -> np.ndarray:
    """Label spreading (Zhou et al., 2004) of prior distributions ``y0`` (n, c) given to
    *every* row of the kNN graph ``(idx, w)``: ``F ← α S F + (1 − α) Y0``, nothing clamped, so
    each row's answer is smoothed by its neighbours'. Returns (n, c) row distributions."""
    s = _normalised_affinity(idx, w)
    y0 = np.asarray(y0, np.float64)
    f = y0.copy()
    for _ in range(iters):
        f = alpha * (s @ f) + (1 - alpha) * y0
    f = np.maximum(f, 0.0)
    return f / np.maximum(f.sum(1, keepdims=True), 1e-12)


def _normalised_affinity(idx: np.ndarray, w: np.ndarray):
    """``D^-1/2 (A + Aᵀ) D^-1/2`` of the kNN graph ``(idx, w)`` as a sparse (n, n) matrix."""
    from scipy.sparse import csr_matrix

    n = len(idx)
    rows = np.repeat(np.arange(n), idx.shape[1])
    a = csr_matrix((w.ravel(), (rows, idx.ravel())), shape=(n, n))
    a = a + a.T  # symmetric affinity
    deg = np.asarray(a.sum(1)).ravel()
    dinv = 1.0 / np.sqrt(np.maximum(deg, 1e-12))
    return csr_matrix(a.multiply(dinv[:, None]).multiply(dinv[None, :]))


def balance(p: np.ndarray, marginal: np.ndarray, iters: int = 50) -> np.ndarray:
    """Sinkhorn: rescale soft labels ``p`` (n, c) so that the class masses follow
    ``marginal`` (c,) (normalised) while every row stays a distribution."""
    q = np.asarray(p, np.float64) + 1e-12
    m = np.asarray(marginal, np.float64)
    m = m / m.sum() * len(q)
    for _ in range(iters):
        q *= (m / q.sum(0))[None, :]
        q /= q.sum(1, keepdims=True)
    return q


def margin_temperature(scores: np.ndarray) -> float:
    """The median top-1 − top-2 margin of the rows of ``scores`` (n, c ≥ 2; dead columns may
    score ``-inf`` or a large negative constant while two per row are finite), at least
    1e-6: dividing scores by it makes a typical row's answer neither saturated nor flat."""
    top = np.sort(np.asarray(scores, np.float64), axis=1)[:, -2:]
    return max(float(np.median(top[:, 1] - top[:, 0])), 1e-6)


def prior_offsets(scores: np.ndarray, marginal: np.ndarray, iters: int = 200) -> np.ndarray:
    """Per-class offsets ``b`` (c,) so that ``scores + b`` (n, c) answers the rows in the
    proportions ``marginal`` (c,) — the prior adjustment of Saerens et al. (2002) on a softmax
    of the scores at the temperature of their median top-1 − top-2 margin, then damped steps
    on the histogram of the rows' answers (argmaxes), the closest to ``marginal`` kept. Columns
    scoring ``-inf`` (dead classes) get 0. Reads no label: only the rows' own scores."""
    s = np.asarray(scores, np.float64)
    live = np.isfinite(s).all(0)
    out = np.zeros(s.shape[1])
    if live.sum() < 2 or not len(s):
        return out
    z = s[:, live]
    t = margin_temperature(z)
    z = z / t
    m = np.asarray(marginal, np.float64)[live] + 1e-12
    m = m / m.sum()
    b = np.zeros(z.shape[1])
    for _ in range(iters):
        a = z + b
        p = np.exp(a - a.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        b += np.log(m) - np.log(p.mean(0) + 1e-12)
    # the soft proportions match; the answers are argmaxes: damped steps on their histogram,
    # keeping the offsets that came closest
    best, best_tv = b, np.inf
    for i in range(iters + 1):
        h = np.bincount((z + b).argmax(1), minlength=len(m)) / len(z)
        if (d := 0.5 * float(np.abs(h - m).sum())) < best_tv:
            best, best_tv = b, d
        b = b + 0.5 / (1 + 0.05 * i) * (np.log(m) - np.log(h + 0.5 / len(z)))
    out[live] = t * (best - best.mean())
    return out


def balance_pairs(score: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Pair tasks: per-query thresholds (c,) indexed by query id — the median of ``score``
    over the rows asking about that query (global median where a query has no row)."""
    q = np.asarray(queries)
    th = np.full(int(q.max()) + 1 if len(q) else 0, np.median(score) if len(score) else 0.0)
    for c in np.unique(q):
        th[c] = np.median(score[q == c])
    return th


def confident(p: np.ndarray, keep: float = 0.5) -> np.ndarray:
    """Row indices of the ``keep`` most confident fraction *per predicted class* of ``p``
    (n, c), so the kept set follows the predicted class histogram."""
    pred = p.argmax(1)
    conf = p.max(1)
    out = []
    for c in np.unique(pred):
        rows = np.flatnonzero(pred == c)
        n = max(1, int(round(keep * len(rows))))
        out.append(rows[np.argsort(-conf[rows])[:n]])
    return np.sort(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)
