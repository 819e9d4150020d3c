"""Checks before any training step: would ingestion help this student at all?

Two reasons to stop, each with its figures (raised as :class:`~m2kt.errors.PreflightStop`,
nothing written; ``force`` goes on anyway and records the reason in the report):

- **too few texts of its own**: the student side's unlabelled inputs are what the map is
  refined on; below :data:`MIN_INPUTS_PER_CONCEPT` per concept (and :data:`MIN_INPUTS` in all)
  the refinement fits noise — a 4-concept domain with 11 texts turned a student that answered
  1.000 from the labels alone into one that answers 0.500;
- **nothing to transfer**: with the user's own labelled examples to score on (``--eval``, the
  Align & Ingest page's upload), the student's own label-free answers (nearest concept label)
  already score at least the teacher's held-out accuracy that the packet records. Only the
  user's examples are read for this, never a built-in task's dev or test split (the
  benchmark's ingestions read no label before training).

A student that ends below its start anyway fails the held-out gate, which says so.
"""

from __future__ import annotations

from typing import Any

from m2kt.domains.base import TEXT_TRACKS
from m2kt.errors import PreflightStop

#: the fewest unlabelled student inputs per concept, and in all, for ingestion to go ahead
MIN_INPUTS_PER_CONCEPT, MIN_INPUTS = 8, 40
#: the student's start must be below the teacher's held-out accuracy by at least this much
MIN_ROOM = 0.02


def teacher_heldout(packet: Any) -> float | None:
    """The teacher's accuracy on its own held-out split as the packet records it (None when
    the packet does not say)."""
    v = packet.manifest.provenance.recipe.params.get("teacher_heldout_accuracy")
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def check(run: Any, force: bool = False) -> dict[str, Any]:
    """Run both checks on a prepared ingestion (:class:`~m2kt.ingest.run.Run`, before its
    stages); returns the figures (stored in the report), raises PreflightStop unless
    ``force``."""
    k = len(run.packet.concept_ids)
    n = len(run.task.splits["transfer_pool"])
    need = max(MIN_INPUTS, MIN_INPUTS_PER_CONCEPT * k)
    out: dict[str, Any] = {"student_inputs": n, "needed": need, "stopped": None}
    reasons = []
    if n < need:
        reasons.append(f"the student side has {n:,} unlabelled texts of its own for {k} "
                       f"concepts; ingestion refines the map on them and needs at least "
                       f"{need:,} ({MIN_INPUTS_PER_CONCEPT} per concept, {MIN_INPUTS} in all) — "
                       "give it more texts (Align & Ingest: the student's own texts; CLI: "
                       "--inputs FILE)")
    start, teacher = _start(run), teacher_heldout(run.packet)
    out.update(student_start=start, teacher_heldout=teacher)
    if start is not None and teacher is not None and start >= teacher - MIN_ROOM:
        reasons.append(f"the student already answers the labelled examples at {start:.3f} "
                       f"from the concept labels alone, and the teacher's own held-out "
                       f"accuracy is {teacher:.3f}: there is nothing for the packet to add")
    if reasons:
        out["stopped"] = "; ".join(reasons)
        if not force:
            raise PreflightStop("ingestion stopped before training: " + out["stopped"]
                                + " (nothing was written; ingest anyway to override)")
    return out


def _start(run: Any) -> float | None:
    """The student's label-free accuracy on the user's labelled examples (class tasks of the
    language track; None without them)."""
    from m2kt.ingest.student_side import EVAL_SPLIT

    split = run.eval_split
    if (split != EVAL_SPLIT or split not in run.task.splits or run.task.track not in TEXT_TRACKS
            or not run.class_task):
        return None
    from m2kt.domains.language import zero_shot_accuracy

    return zero_shot_accuracy(run.lm, run.task, split)
