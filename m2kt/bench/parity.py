"""Seed statistics, the strongest-KD envelope and interpolated parity (BENCHMARK v3).

- :func:`seed_stats` — mean, std (ddof = 1) and a 95 % t-interval over per-seed accuracies.
- :func:`envelope` — the strongest KD curve: the upper envelope of every KD arm's points
  against its crossing count (or its bytes) — a point is kept only if no arm does at least as
  well with no more crossing.
- :func:`parity_inputs` — ``N*`` where that curve reaches M2KT's accuracy, log-linearly
  interpolated between the bracketing points (linearly from the zero-crossing origin — the
  best of the student's start and the points at ``N = 0`` — to the first point). ``None``
  when no KD point reaches it (M2KT above ``kd_full``).
- :func:`bootstrap_reduction` — a 95 % bootstrap interval of ``1 − crossing / N*`` resampling
  seeds and evaluation items together, from per-seed, per-item correctness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np


def seed_stats(accs: Sequence[float]) -> dict[str, object]:
    """``{"acc", "acc_std", "acc_ci", "accs"}`` of per-seed accuracies: the mean, the sample
    standard deviation (ddof = 1; 0 for one seed), a 95 % Student-t interval of the mean
    (None for one seed) and the values themselves."""
    a = np.asarray(accs, dtype=float)
    mean = float(a.mean())
    if len(a) < 2:
        return {"acc": mean, "acc_std": 0.0, "acc_ci": None, "accs": [float(x) for x in a]}
    from scipy.stats import t

    std = float(a.std(ddof=1))
    half = float(t.ppf(0.975, len(a) - 1) * std / math.sqrt(len(a)))
    return {"acc": mean, "acc_std": std, "acc_ci": [mean - half, mean + half],
            "accs": [float(x) for x in a]}


def envelope(curves: Mapping[str, Sequence[tuple[float, float]]]) -> list[dict[str, object]]:
    """``curves`` maps an arm to its ``(inputs, acc)`` points (inputs: its crossing count, or
    its bytes); returns the upper envelope sorted by inputs: ``{"inputs", "acc", "arm"}`` for
    each point that beats every point with no more inputs (ties: the fewer inputs, then the
    first arm)."""
    best: dict[float, tuple[float, str]] = {}
    for arm, pts in curves.items():
        for n, acc in pts:
            if n not in best or acc > best[n][0]:
                best[n] = (acc, arm)
    out, top = [], -math.inf
    for n, (a, arm) in sorted(best.items()):
        if a > top:
            out.append({"inputs": n, "acc": a, "arm": arm})
            top = a
    return out


def parity_inputs(points: Sequence[tuple[float, float]], target: float,
                  start: float | None = None) -> float | None:
    """The smallest ``N`` at which the piecewise curve through ``points`` (``(N, acc)``)
    reaches ``target``: log-linear between bracketing points, linear from ``(0, origin)`` to
    the first point with ``N > 0`` — the origin being the best of ``start`` and the points at
    ``N = 0``. ``None`` if no point reaches ``target``."""
    zero = [float(a) for n, a in points if n <= 0]
    if zero:
        start = max([*zero, *([] if start is None else [start])])
    pts = sorted((float(n), float(a)) for n, a in points if n > 0)
    if start is not None and start >= target:
        return 0.0  # the student already starts there: KD needs no input at all
    if not pts:
        return None
    n0, a0 = pts[0]
    if a0 >= target:
        return n0 if start is None else n0 * (target - start) / (a0 - start)
    for (n1, a1), (n2, a2) in zip(pts, pts[1:], strict=False):
        if a1 < target <= a2:
            f = (target - a1) / (a2 - a1)
            return float(math.exp(math.log(n1) + f * (math.log(n2) - math.log(n1))))
    return None


def reduction(crossing: float, n_star: float | None) -> float | None:
    """``1 − crossing / N*`` (None without parity or at ``N* = 0``)."""
    return None if not n_star else 1.0 - crossing / n_star


def bootstrap_reduction(m2kt: np.ndarray, kd: Mapping[tuple[str, float], np.ndarray],
                        crossing: float, start: float | None, reps: int = 1000,
                        seed: int = 0) -> list[float] | None:
    """95 % interval of the data reduction at parity.

    ``m2kt``: (S, n) per-seed, per-item correctness of M2KT; ``kd[(arm, N)]``: the same for
    each KD measurement at ``N`` crossing inputs (S rows each, the same seeds and items;
    ``N = 0``: a zero-crossing point, e.g. the ``prior`` arm). Each replicate draws S seeds
    and n items with replacement (one draw shared by every arm), recomputes every accuracy,
    the envelope, ``N*`` and the reduction. A replicate without parity counts as the largest
    reduction the sweep can show (M2KT above every KD point: ``1 − crossing / N_max``).
    Returns ``[lo, hi]`` (2.5 / 97.5 percentiles) or None when no replicate reaches parity."""
    rng = np.random.default_rng(seed)
    keys = list(kd)
    stack = np.stack([m2kt] + [kd[k] for k in keys]).astype(np.float64)  # (A, S, n)
    a, s, n = stack.shape
    n_max = max(k[1] for k in keys)
    out = []
    for _ in range(reps):
        sw = np.bincount(rng.integers(0, s, s), minlength=s).astype(float)
        iw = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        acc = np.einsum("asn,s,n->a", stack, sw, iw) / (s * n)
        curves: dict[str, list[tuple[float, float]]] = {}
        for (arm, size), v in zip(keys, acc[1:], strict=True):
            curves.setdefault(arm, []).append((size, float(v)))
        env = [(p["inputs"], p["acc"]) for p in envelope(curves)]
        ns = parity_inputs(env, float(acc[0]), start)
        r = reduction(crossing, ns) if ns is not None else reduction(crossing, n_max)
        if r is not None:
            out.append(r)
    if not out:
        return None
    return [float(np.percentile(out, 2.5)), float(np.percentile(out, 97.5))]
