"""Ingestion: packet + student (+ counted unlabelled inputs) → a new student directory.

The student backbone is frozen; a CAL (student → teacher space) is initialised by an alignment
method on the packet's anchors and refined with the composite loss; answers come from the
packet's manifolds (``m2kt.ingest.readout``).  Inputs: the packet, the student, and the
student's own unlabelled ``transfer_pool`` inputs (texts and queries only — never labels).
Every input either model processes is counted in the ledger.  Progress is reported through a
callback; ``cancel()`` returning True stops between steps.

The work is a pipeline of named stages (:mod:`m2kt.ingest.pipeline`), listed by the variant;
:func:`ingest` prepares the run, runs the stages and writes the student
(:mod:`m2kt.ingest.export`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from m2kt.atlas.artefact import Atlas
from m2kt.ingest import preflight
from m2kt.ingest.run import METHODS, Cancelled, prepare
from m2kt.ingest.stages.evaluate import above_start_gate as _above_start_gate
from m2kt.ingest.stages.gates import ALIGN_GATE
from m2kt.ingest.stages.train import torch_readout
from m2kt.ingest.variants import DEFAULT_VARIANT
from m2kt.ingest.weights import TERMS
from m2kt.ledger import Ledger
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.reader import VerifiedPacket
from m2kt.verify.gates import Gate
from m2kt.verify.policy import SafetyPolicy

__all__ = ["ALIGN_GATE", "METHODS", "TERMS", "Cancelled", "IngestResult", "ingest",
           "torch_readout", "_above_start_gate"]


@dataclass
class IngestResult:
    out_dir: Path
    accuracy: float | None
    student_before: float | None
    ledger: Ledger
    gates: list[Gate]
    curves: dict[str, list[float]]
    seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """No gate failed (a gate without a figure is not applicable, not a pass)."""
        return not any(g.failed for g in self.gates)


def ingest(
    packet: VerifiedPacket, out_dir: Path, student: str | None = None,
    method: str = "auto",
    seed: int = 0, weights: dict[str, float] | None = None, steps: int | None = None,
    pool_limit: int | None = None, policy: SafetyPolicy | None = None, evaluate: bool = True,
    lr: float | None = None, variant: str = DEFAULT_VARIANT,
    progress: Progress = no_progress, cancel: Callable[[], bool] = lambda: False,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    eval_split: str = "dev", inputs: Path | None = None, eval_examples: Path | None = None,
    force: bool = False, pre_gates: list[Gate] | None = None, atlas: Atlas | None = None,
) -> IngestResult:
    """See module doc. ``weights`` sets λ per term (0 switches a term off); ``variant`` names
    a method variant (:mod:`m2kt.ingest.variants`), whose stages, step count and CAL learning
    rate apply unless ``steps`` / ``lr`` are given.  ``on_step(step, {term: value})`` receives
    every step's loss terms (live curves); ``cancel()`` is polled before every step.

    With ``evaluate`` the new student answers the held-out ``eval_split`` (``dev`` by
    default: the gates are a check, and every choice reads dev; the benchmark passes ``test``
    for its final report) — after every weight is fixed, so labels never reach training.
    ``extra`` then holds the predictions (``pred``); ``extra["stages"]`` holds each stage's
    seconds and figures and ``extra["weights"]`` the λ it trained with (the variant's for the
    packet's track, then the caller's).

    ``inputs`` (a file of the student's own unlabelled texts) replaces the built-in task's
    ``transfer_pool`` and is required for a user's domain; ``eval_examples`` (labelled JSONL)
    is then what the new student is scored on. Without any, a user's domain is not evaluated
    (the held-out gate is not applicable). See :mod:`m2kt.ingest.student_side`.

    Before any training step :func:`m2kt.ingest.preflight.check` may stop it (too few student
    texts, or nothing to transfer) with a PreflightStop saying why; ``force`` goes on.

    ``pre_gates``: the pre-ingestion gates the caller checked (integrity, approval, blocked
    concepts); they open the result's and the report's gate list, so every page and the CLI
    count the same gates (:func:`m2kt.verify.verdict.verdict`).

    ``atlas``: the teacher's atlas (:mod:`m2kt.atlas`), which a variant with ``uses_atlas``
    reads; it must be the one the packet names by digest."""
    from m2kt.ingest.export import export
    from m2kt.ingest.pipeline import run_stages

    t0 = time.perf_counter()
    run = prepare(packet, out_dir, student, method, seed, weights, steps, pool_limit, policy,
                  lr, variant, eval_split, progress, cancel, on_step, inputs, eval_examples,
                  atlas)
    run.preflight = preflight.check(run, force)  # may stop here, before any training step
    run.gates = list(pre_gates or [])
    stages = run_stages(run, evaluate_too=evaluate)
    export(run, stages, time.perf_counter() - t0)
    ev = run.evaluation
    return IngestResult(out_dir, ev.get("acc"), run.student_before, run.ledger, run.gates,
                        run.curves, time.perf_counter() - t0,
                        {"alignment": run.alignment, "method": run.sel.method,
                         "readout": run.sel.readout, "selection": run.sel.table,
                         "variant": run.var.name, "weights": dict(run.lam),
                         "eval_split": run.eval_split, "stages": stages,
                         "pred": ev.get("pred")})
