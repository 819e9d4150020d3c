"""Scores of a model's answers on labelled examples: accuracy, macro-F1, the per-concept
confusion — what ``python -m m2kt evaluate`` prints."""

from __future__ import annotations

from typing import Any

import numpy as np


def confusion(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """(k, k) int counts: row = the gold concept, column = the answer. ``y``, ``pred``: (n,)
    label indices in [0, k)."""
    out = np.zeros((k, k), dtype=np.int64)
    np.add.at(out, (np.asarray(y), np.asarray(pred)), 1)
    return out


def per_concept(conf: np.ndarray) -> list[dict[str, float | int]]:
    """Per concept (row of ``conf``): gold count, correct, precision, recall, F1 (0 where
    undefined)."""
    tp = np.diag(conf).astype(float)
    gold, said = conf.sum(1).astype(float), conf.sum(0).astype(float)
    prec = np.divide(tp, said, out=np.zeros_like(tp), where=said > 0)
    rec = np.divide(tp, gold, out=np.zeros_like(tp), where=gold > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(tp), where=prec + rec > 0)
    return [{"n": int(gold[i]), "correct": int(tp[i]), "precision": float(prec[i]),
             "recall": float(rec[i]), "f1": float(f1[i])} for i in range(len(tp))]


def scores(y: np.ndarray, pred: np.ndarray, ids: list[str], labels: list[str]
           ) -> dict[str, Any]:
    """Accuracy, macro-F1 (over the concepts present in ``y``), and per concept its id,
    label, counts, P/R/F1 and confusion row (``{answer id: count}``, non-zero only)."""
    k = len(ids)
    conf = confusion(y, pred, k)
    rows = per_concept(conf)
    present = [r for r in rows if r["n"] > 0]
    return {
        "n": int(len(y)), "accuracy": float((np.asarray(y) == np.asarray(pred)).mean()),
        "macro_f1": float(np.mean([r["f1"] for r in present])) if present else 0.0,
        "per_concept": [{"id": ids[i], "label": labels[i], **rows[i],
                         "answers": {ids[j]: int(conf[i, j]) for j in range(k) if conf[i, j]}}
                        for i in range(k)],
    }
