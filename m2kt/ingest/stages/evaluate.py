"""Stage ``evaluation``: the new student alone on the held-out split, after every weight is
fixed — labels are read only to score, so they cannot reach training.

Reads the trained CAL, the readout choice and ``thresholds`` (or ``reader``, when the student
answers with the packet's relative readout). Writes ``evaluation`` (accuracy and
predictions), ``student_before (recorded for the built-in tasks,
measured label-free for a user's domain) and the held-out-accuracy gate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from m2kt.domains.base import TEXT_TRACKS
from m2kt.ingest.readout import predict
from m2kt.ingest.run import Run
from m2kt.models.embcache import cached_encode
from m2kt.verify.gates import Gate, check

#: the post gate this stage adds (also when there is nothing to score: then not applicable)
HELD_OUT_GATE = "held-out accuracy above the student's start"


def evaluate(run: Run) -> dict[str, Any]:
    """See module doc."""
    from m2kt.domains.registry import student_start
    from m2kt.verify.stats import ALPHA

    task, split = run.task, run.eval_split
    if split not in task.splits:  # a user's domain ingested without labelled examples
        run.gates.append(check(HELD_OUT_GATE, "post", None, ALPHA, "<", "not measured: no "
                               "labelled examples (ingest --eval FILE.jsonl, or `evaluate` the "
                               "student later)"))
        return {"split": None, "inputs": 0, "accuracy": None, "student before": None}
    exs = list(task.splits[split])
    y = np.array([e.label for e in exs])
    pred = _answer(run, exs)
    run.evaluation = {"acc": float((pred == y).mean()), "n": len(exs), "pred": pred}
    run.student_before = student_start(task.name, split)
    if run.student_before is None and task.track in TEXT_TRACKS:  # measure it
        from m2kt.domains.language import zero_shot_accuracy

        run.student_before = zero_shot_accuracy(run.lm, task, split)
    run.gates.append(above_start_gate(run.evaluation["acc"], len(exs), run.student_before,
                                      1.0 / len(run.packet.manifest.labels), split))
    return {"split": split, "inputs": len(exs), "accuracy": round(run.evaluation["acc"], 4),
            "student before": run.student_before}


def _answer(run: Run, batch: list) -> np.ndarray:
    """The new student's answers (n,) label indices on ``batch``."""
    texts = [e.text for e in batch]
    s = (run.encoder.encode(texts) if run.encoder is not None
         else cached_encode(run.lm, texts, progress=run.progress))
    cidx = run.concept_index
    q = [cidx[e.query] for e in batch] if not run.class_task else None
    if run.reader is not None:  # stage read-relative: the relative readout answers
        return run.reader.answer(s, None if q is None else np.array(q))
    return predict(run.mapped(s), run.man, run.task.name, run.packet.manifest.labels, q,
                   run.thresholds, head=run.head if run.use_head else None,
                   cosine=run.sel.readout == "cosine")


def above_start_gate(acc: float, n: int, before: float | None, chance: float,
                     split: str = "dev") -> Gate:
    """Held-out accuracy above the student's start (or chance, when higher) beyond noise: the
    figure is the accuracy, the threshold that bar, and the gate passes when a one-sided
    binomial test says the accuracy is above it (p < 0.05,
    :func:`m2kt.verify.stats.above_start`); the detail gives the p-value as "p < 0.001" and
    says so plainly when the student scores below where it started."""
    from m2kt.verify.stats import above_start, format_p

    r = above_start(acc, n, before, chance)
    if r is None:
        return check(HELD_OUT_GATE, "post", None, 0.0, ">",
                     f"{split} accuracy {acc:.3f} on {n}: the student's start is unknown")
    what = "start" if before is not None and before >= chance else "chance"
    detail = (f"{split} accuracy {acc:.3f} on {n} inputs vs the {what} {r.bar:.3f} "
              f"(one-sided binomial {format_p(r.p)})")
    if before is not None and acc < before:
        detail += ": BELOW the student's start — this student is worse than the one it was"
    return Gate(HELD_OUT_GATE, "post", float(f"{acc:.4g}"), float(f"{r.bar:.4g}"), ">",
                bool(r.beats), detail)
