"""Label-free semi-supervised steps on a student's own unlabelled inputs.

Shared by every method that may use them — the ``kd_ssl`` baseline of the benchmark and any
M2KT variant — so that M2KT never wins on machinery KD was denied (BENCHMARK.md, arms).
Every function is pure numpy, reads no gold label, and takes features the caller computed:

- :func:`knn_graph` — a symmetric cosine kNN affinity over centred features;
- :func:`propagate` — label propagation (Zhou et al., 2004) of seed distributions over it,
  with class-mass normalisation;
- :func:`balance` — Sinkhorn rescaling of soft labels to given class marginals;
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
    from scipy.sparse import csr_matrix

    n, c = len(idx), seeds.shape[1]
    rows = np.repeat(np.arange(n), idx.shape[1])
    a = csr_matrix((w.ravel(), (rows, idx.ravel())), shape=(n, n))
    a = a + a.T  # symmetric affinity
    deg = np.asarray(a.sum(1)).ravel()
    dinv = 1.0 / np.sqrt(np.maximum(deg, 1e-12))
    s = csr_matrix(a.multiply(dinv[:, None]).multiply(dinv[None, :]))
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
