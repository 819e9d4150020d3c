"""Figures derived from one task entry of the bench JSON (BENCHMARK v3, "Figures").

:func:`derived` recomputes, from the entry's own measurements only, everything the report
quotes: validity, both retentions, the strongest-KD envelope, interpolated parity and the data
reductions — so a reader can check every figure against the file. :func:`parity_ci` needs the
per-item correctness kept in memory during the run (not stored: a bootstrap over seeds and
items).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from m2kt.bench.parity import bootstrap_reduction, envelope, parity_inputs, reduction

#: validity rules (BENCHMARK.md): teacher − start ≥ 0.10, prior closes ≤ 25 % of that gap,
#: KD on the full pool closes ≥ 75 % of it
MIN_MARGIN, MAX_PRIOR_SHARE, MIN_KD_FULL_SHARE = 0.10, 0.25, 0.75


def beats_start(entry: dict[str, Any]) -> dict[str, Any]:
    """Whether M2KT's accuracy is above the student's start beyond chance
    (:func:`m2kt.verify.stats.above_start`: one-sided binomial test against the start or
    uniform chance, whichever is higher, on the evaluation split's items).
    Returns ``{"beats": bool|None, "p": float|None, "bar": float|None}``."""
    from m2kt.verify.stats import above_start

    sb = entry.get("student_before") or {}
    n = (entry.get("split_sizes") or {}).get(entry.get("split", "test"))
    r = above_start(entry["methods"]["m2kt"]["acc"], n, sb.get("acc"), sb.get("chance"))
    return ({"beats": None, "p": None, "bar": None} if r is None
            else {"beats": r.beats, "p": r.p, "bar": r.bar})


def beats_prior(entry: dict[str, Any]) -> dict[str, Any]:
    """Whether M2KT's accuracy is above the ``prior`` arm's beyond chance: the same one-sided
    binomial test as :func:`beats_start`, with the prior's accuracy (deterministic, the same
    for every seed) as the bar. Returns ``{"beats", "p", "bar"}`` (None where unknown)."""
    from m2kt.verify.stats import above_start

    n = (entry.get("split_sizes") or {}).get(entry.get("split", "test"))
    prior = (entry["methods"].get("prior") or {}).get("acc")
    r = above_start(entry["methods"]["m2kt"]["acc"], n, prior)
    return ({"beats": None, "p": None, "bar": None} if r is None
            else {"beats": r.beats, "p": r.p, "bar": r.bar})


def validity(entry: dict[str, Any]) -> dict[str, Any]:
    """The three validity figures of the task and the verdict."""
    teacher = entry["teacher"]["acc"]
    start = entry["student_before"]["acc"]
    m = entry["methods"]
    if teacher is None or start is None:
        return {"teacher_margin": None, "prior_share": None, "kd_full_share": None,
                "valid": None}
    gap = teacher - start
    share = (lambda a: (a - start) / gap) if gap > 0 else (lambda a: None)
    prior_share, kd_share = share(m["prior"]["acc"]), share(m["kd_full"]["acc"])
    valid = (gap >= MIN_MARGIN and prior_share is not None and prior_share <= MAX_PRIOR_SHARE
             and kd_share is not None and kd_share >= MIN_KD_FULL_SHARE)
    return {"teacher_margin": gap, "prior_share": prior_share, "kd_full_share": kd_share,
            "valid": bool(valid),
            "rules": {"teacher_margin": f">= {MIN_MARGIN}",
                      "prior_share": f"<= {MAX_PRIOR_SHARE}",
                      "kd_full_share": f">= {MIN_KD_FULL_SHARE}"}}


#: every KD arm measured along a sweep: arm → the method key of its sweep (points with their
#: own ledgers); the ``_prior`` arms also use the teacher's class histogram
SWEEPS = {"kd": "kd_sweep", "kd_ssl": "kd_ssl_sweep", "kd_prior": "kd_prior_sweep",
          "kd_ssl_prior": "kd_ssl_prior_sweep", "kd_words": "kd_words_sweep",
          "kd_words_ssl": "kd_words_ssl_sweep", "kd_words_prior": "kd_words_prior_sweep",
          "kd_words_ssl_prior": "kd_words_ssl_prior_sweep"}
#: KD arms measured at one point each (M2KT's crossing budget, M2KT's anchors)
POINTS = ("kd", "kd_ssl", "kd_prior", "kd_ssl_prior", "kd_anchor", "kd_anchor_prior")


def _crossing(p: dict[str, Any]) -> float:
    """A point's crossing count: its ledger's (reports before v3: its inputs)."""
    led = p.get("ledger") or {}
    return float(led.get("crossing_inputs", p.get("inputs", 0)))


def kd_points(methods: dict[str, Any]) -> list[tuple[str, float, float | None, float]]:
    """Every KD measurement as ``(arm, crossing_inputs, bytes, acc)``: each arm's sweep, the
    arms at M2KT's budget and on M2KT's anchors, and the ``prior`` arm at zero crossing
    (the envelope's origin: KD with no input but the class histogram)."""
    out: list[tuple[str, float, float | None, float]] = []
    for arm, key in SWEEPS.items():
        for p in methods.get(key, []):
            out.append((arm, _crossing(p), (p.get("ledger") or {}).get("bytes"), p["acc"]))
    for arm in POINTS:
        m = methods.get(arm)
        if m and m.get("inputs"):
            out.append((arm, _crossing(m), (m.get("ledger") or {}).get("bytes"), m["acc"]))
    if "prior" in methods:
        pr = methods["prior"]
        out.append(("prior", 0.0, (pr.get("ledger") or {}).get("bytes", 0), pr["acc"]))
    return out


def kd_curves(methods: dict[str, Any], by: str = "crossing"
              ) -> dict[str, list[tuple[float, float]]]:
    """Every KD measurement as ``arm → [(x, acc)]`` with ``x`` its crossing count
    (``by="crossing"``) or its bytes (``by="bytes"``; points without bytes left out)."""
    curves: dict[str, list[tuple[float, float]]] = {}
    for arm, n, b, acc in kd_points(methods):
        x = n if by == "crossing" else b
        if x is not None:
            curves.setdefault(arm, []).append((float(x), acc))
    return curves


def bytes_at_parity(entry: dict[str, Any]) -> dict[str, Any]:
    """Parity in bytes: the bytes the strongest KD envelope (by bytes) needs for M2KT's
    accuracy, beside the bytes M2KT's transfer moved (packet and texts sent to the teacher)."""
    m = entry["methods"]
    mine = (m["m2kt"].get("ledger") or {}).get("bytes")
    env = envelope(kd_curves(m, by="bytes"))
    kd = parity_inputs([(p["inputs"], p["acc"]) for p in env], m["m2kt"]["acc"],
                       entry["student_before"]["acc"])
    if entry.get("kd_parity_inputs") is None:
        kd = None
    return {"m2kt": mine, "kd": kd,
            "ratio": (mine / kd) if (mine is not None and kd) else None}


def derived(entry: dict[str, Any]) -> dict[str, Any]:
    """Everything computed from the entry's measurements (see module doc)."""
    m = entry["methods"]
    acc = m["m2kt"]["acc"]
    crossing = m["m2kt"]["ledger"]["crossing_inputs"]
    env = envelope(kd_curves(m))
    b = beats_start({**entry, "methods": m})
    bp = beats_prior(entry)
    n_star = parity_inputs([(p["inputs"], p["acc"]) for p in env], acc,
                           entry["student_before"]["acc"])
    full = m["kd_full"]["inputs"]
    if b["beats"] is False:
        status, n_star = "no transfer: M2KT does not beat the student's start", None
    elif bp["beats"] is False:
        status, n_star = "no transfer: M2KT does not beat the prior arm", None
    elif n_star is None:
        status = "M2KT above every KD point (even the full pool)"
    else:
        status = "interpolated"
    teacher = entry["teacher"]["acc"]
    out = {
        "validity": validity(entry),
        "beats_start": b,
        "beats_prior": bp,
        "retention": acc / teacher if teacher else None,
        "ceiling_retention": acc / m["kd_full"]["acc"] if m["kd_full"]["acc"] else None,
        "envelope": env,
        "kd_parity_inputs": n_star,
        "parity_status": status,
        "data_reduction_at_parity": reduction(crossing, n_star),
        "data_reduction_vs_kd_full": 1.0 - crossing / full if full else None,
    }
    out["bytes_at_parity"] = bytes_at_parity({**entry, **out})
    out["amortisation"] = amortisation(m["m2kt"]["ledger"], n_star)
    return out


def amortisation(ledger: dict[str, Any], n_star: float | None) -> dict[str, Any] | None:
    """Where M2KT leans on an atlas (``atlas_strings`` > 0, BENCHMARK v3): the atlas is
    counted once per teacher, each task's own strings once per task. Against KD's parity
    strings ``n_star`` on this task: M2KT's total over T such tasks is ``atlas + T·task``
    against KD's ``T·n_star``; ``tasks_to_amortise`` is the smallest T at which M2KT's is
    lower (``None`` when KD needs no more strings per task than M2KT, or has no parity);
    ``reduction_one_task`` is ``1 − (atlas + task) / n_star``, one task alone with its atlas
    counted (the figure the report judges). ``None`` without an atlas."""
    a = int(ledger.get("atlas_strings") or 0)
    if not a:
        return None
    t = int(ledger["crossing_inputs"])
    per_task = None if n_star is None else float(n_star) - t
    return {"atlas_strings": a, "m2kt_task_strings": t, "kd_parity_strings": n_star,
            "tasks_to_amortise": (int(a // per_task) + 1) if per_task and per_task > 0
            else None,
            # one task alone, its atlas counted: the figure the report judges
            "reduction_one_task": None if not n_star else 1.0 - (a + t) / float(n_star)}


def parity_ci(entry: dict[str, Any], correct: dict[tuple[str, float], np.ndarray]
              ) -> list[float] | None:
    """Bootstrap 95 % interval of the reduction at parity (None where there is no parity).
    ``correct[(arm, crossing)]``: per-seed, per-item correctness of each KD point (and of the
    ``prior`` arm at 0)."""
    if entry.get("kd_parity_inputs") is None:
        return None
    arms = {*SWEEPS, *POINTS, "prior"}
    kd = {k: v for k, v in correct.items() if k[0] in arms}
    return bootstrap_reduction(correct[("m2kt", 0)], kd,
                               entry["methods"]["m2kt"]["ledger"]["crossing_inputs"],
                               entry["student_before"]["acc"])
