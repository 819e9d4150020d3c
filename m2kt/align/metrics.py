"""Alignment quality on held-out pairs, each figure beside a permutation null.

Given the aligned student side ``a`` (n, k) and the teacher side ``b`` (n, k) of the same n
held-out items (rows correspond): top-1 retrieval accuracy, mean rank of the true partner,
mean cosine of partners, linear CKA, and mutual-kNN overlap.  The null re-computes each figure
with ``b``'s rows randomly permuted (``n_perm`` times): what the figure looks like when the
alignment carries no information.
"""

from __future__ import annotations

import numpy as np


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


def linear_cka(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean(0)
    b = b - b.mean(0)
    num = np.linalg.norm(a.T @ b) ** 2
    den = np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b)
    return float(num / den) if den > 0 else 0.0


def mutual_knn(a: np.ndarray, b: np.ndarray, k: int = 5) -> float:
    k = min(k, len(a) - 1)
    if k < 1:
        return 0.0
    sa, sb = _unit(a) @ _unit(a).T, _unit(b) @ _unit(b).T
    np.fill_diagonal(sa, -np.inf)
    np.fill_diagonal(sb, -np.inf)
    na, nb = np.argsort(-sa, 1)[:, :k], np.argsort(-sb, 1)[:, :k]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb, strict=True)]))


def _figures(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    sim = _unit(a) @ _unit(b).T
    true = np.diag(sim)
    rank = (sim > true[:, None]).sum(1) + 1
    return {"top1": float((rank == 1).mean()), "mean_rank": float(rank.mean()),
            "cosine": float(true.mean()), "cka": linear_cka(a, b), "mutual_knn": mutual_knn(a, b)}


def alignment_metrics(a: np.ndarray, b: np.ndarray, n_perm: int = 20,
                      seed: int = 0) -> dict[str, dict[str, float]]:
    """``{metric: {"value", "null", "null_std", "p"}}``; ``p`` is the fraction of permutations
    at least as good (lower is better only for ``mean_rank``)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    real = _figures(a, b)
    rng = np.random.default_rng(seed)
    nulls = [_figures(a, b[rng.permutation(len(b))]) for _ in range(n_perm)]
    out = {}
    for key, v in real.items():
        vals = np.array([n[key] for n in nulls])
        better = (vals <= v) if key == "mean_rank" else (vals >= v)
        out[key] = {"value": v, "null": float(vals.mean()), "null_std": float(vals.std()),
                    "p": float((better.sum() + 1) / (n_perm + 1))}
    return out
