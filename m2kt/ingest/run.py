"""The state one ingestion carries from stage to stage (:mod:`m2kt.ingest.pipeline`).

:func:`prepare` fixes everything that is decided before the first stage — the variant and its
settings, the task, the student model, the safety policy, the ledger's teacher side — and the
stages fill in the rest, in order. Each stage's docstring names the fields it reads and writes;
a field is ``None`` (or empty) until the stage that writes it has run.

Shapes: ``s_*`` student vectors (n, d_s) float32; ``t_anchor`` teacher vectors (n, d_t);
``centroids`` (k, d_t) torch float64; ``live`` (k,) bool; ``hold`` / ``fit_idx`` anchor
indices (held out for the alignment gate / used to fit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from m2kt.atlas.artefact import Atlas
from m2kt.concepts.manifold import Manifolds
from m2kt.domains.base import Example, Task
from m2kt.errors import UsageError
from m2kt.heads import LinearHead
from m2kt.ingest.readout import PAIR_TASKS
from m2kt.ingest.select import Selection
from m2kt.ingest.variants import Variant, get_variant
from m2kt.ingest.weights import TERMS
from m2kt.ledger import Ledger, packet_ledger
from m2kt.models.loader import LoadedModel
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.reader import VerifiedPacket
from m2kt.packet.schema import Trace
from m2kt.verify.gates import Gate
from m2kt.verify.policy import SafetyPolicy, load_policy

#: initial-map methods ``ingest --method`` accepts (``auto``: chosen on the anchors)
METHODS = ("auto", "ridge", "procrustes", "cal")


class Cancelled(Exception):
    """Raised when the cancel callback asks ingestion to stop."""


@dataclass
class Run:
    """One ingestion in progress; see module doc."""

    packet: VerifiedPacket
    out_dir: Path
    var: Variant
    task: Task
    lm: LoadedModel
    policy: SafetyPolicy
    seed: int
    lam: dict[str, float]
    steps: int
    lr: float
    pool_limit: int
    method: str
    eval_split: str
    progress: Progress = no_progress
    cancel: Callable[[], bool] = lambda: False
    on_step: Callable[[int, dict[str, float]], None] | None = None
    ledger: Ledger = field(default_factory=Ledger)
    #: the teacher's atlas (variants with ``uses_atlas``), checked against the packet's digest
    atlas: Atlas | None = None
    # --- encode ---------------------------------------------------------------------------
    anchors: list[str] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    pool: list[Example] = field(default_factory=list)
    probes: list[Any] = field(default_factory=list)
    s_anchor: np.ndarray | None = None
    s_trace: np.ndarray | None = None
    s_pool: np.ndarray | None = None
    s_probe: np.ndarray | None = None
    t_anchor: np.ndarray | None = None
    man: Manifolds | None = None
    centroids: torch.Tensor | None = None
    live: np.ndarray | None = None
    tau: float = 1.0
    hold: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    fit_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    head: LinearHead | None = None
    # --- initial map ----------------------------------------------------------------------
    sel: Selection | None = None
    cal: torch.nn.Module | None = None
    # --- CAL training ---------------------------------------------------------------------
    encoder: Any = None  # m2kt.ingest.encoder.TrainableEncoder when the backbone adapts
    s_probe_after: np.ndarray | None = None  # the probes' vectors after training
    traces_used: Any = None  # m2kt.ingest.stages.train.TraceTargets: the traces trained on
    curves: dict[str, list[float]] = field(
        default_factory=lambda: {t: [] for t in (*TERMS, "member", "total")})
    # --- calibration, gates, evaluation ---------------------------------------------------
    thresholds: np.ndarray | None = None
    #: stage ``read-relative``: the student answers with the packet's relative readout
    #: (m2kt.ingest.relative_reader.RelativeReader) instead of through the CAL
    reader: Any = None
    alignment: dict | None = None
    #: :func:`m2kt.ingest.preflight.check`'s figures (and why it would stop, if it would)
    preflight: dict | None = None
    gates: list[Gate] = field(default_factory=list)
    evaluation: dict = field(default_factory=dict)
    student_before: float | None = None

    @property
    def class_task(self) -> bool:
        return self.task.name not in PAIR_TASKS

    @property
    def concept_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.packet.concept_ids)}

    @property
    def use_head(self) -> bool:
        """Answers come from the packet's teacher readout (chosen by the initial map)."""
        return self.sel is not None and self.sel.readout == "head"

    def concept_prior(self) -> np.ndarray:
        """The teacher's concept prior the packet ships (k,): its manifolds' member counts,
        normalised."""
        counts = np.asarray(self.man.counts, np.float64)
        return counts / max(counts.sum(), 1.0)

    def encode_texts(self, texts: list[str], progress: Progress = no_progress) -> np.ndarray:
        """The frozen student's vectors of ``texts`` (n, d_s) float32 (workspace cache)."""
        from m2kt.models.embcache import cached_encode

        if not texts:
            return np.zeros((0, self.lm.info.hidden_size), np.float32)
        return cached_encode(self.lm, texts, progress=progress)

    def adapt_backbone(self) -> Any:
        """The student's backbone as a trainable copy (``encoder``; made once per run, the
        loaded model is kept): the variant's ``train_top`` layers receive gradients, dropout
        stays off and torch runs deterministically, so a seed fixes the result."""
        if self.encoder is None:
            from m2kt.ingest.encoder import TrainableEncoder

            torch.use_deterministic_algorithms(True, warn_only=True)
            self.encoder = TrainableEncoder(self.lm, self.var.train_top(self.task.track))
            self.encoder.eval()  # gradients flow, dropout stays off
        return self.encoder

    def trace_texts(self) -> list[str]:
        """The strings the reasoning term reads, rows of ``s_trace``: every trace's query, then
        every sub-problem a trace step names (``input``), trace by trace."""
        return ([t.query for t in self.traces]
                + [s.input for t in self.traces for s in t.steps if s.input])

    def reencode(self, progress: Progress = no_progress) -> None:
        """Recompute ``s_anchor``, ``s_trace``, ``s_pool`` and ``s_probe_after`` with the adapted
        backbone ``encoder`` (every later figure uses it); ``s_probe`` keeps the frozen
        student's vectors, the drift gate's reference."""
        self.s_anchor = self.encoder.encode(self.anchors)
        self.s_trace = self.encoder.encode(self.trace_texts())
        self.s_pool = self.encoder.encode([e.text for e in self.pool], progress=progress)
        self.s_probe_after = self.encoder.encode([p.text for p in self.probes])

    def mapped(self, x: np.ndarray) -> np.ndarray:
        """Student vectors (n, d_s) through the CAL → teacher space (n, d_t) float64."""
        assert self.cal is not None, "the initial-map stage sets the CAL"
        with torch.no_grad():
            return self.cal(torch.from_numpy(np.ascontiguousarray(x))).numpy().astype(
                np.float64)


def prepare(packet: VerifiedPacket, out_dir: Path, student: str | None, method: str, seed: int,
            weights: dict[str, float] | None, steps: int | None, pool_limit: int | None,
            policy: SafetyPolicy | None, lr: float | None, variant: str, eval_split: str,
            progress: Progress, cancel: Callable[[], bool],
            on_step: Callable[[int, dict[str, float]], None] | None,
            inputs: Path | None = None, eval_examples: Path | None = None,
            atlas: Atlas | None = None) -> Run:
    """Check the arguments, build the student side's task from the packet and the student's
    files (:func:`m2kt.ingest.student_side.student_task`: no user domain is looked up; a
    built-in task is generated from code),
    load the student, and return the :class:`Run` (the variant's step count, pool limit and
    CAL learning rate unless given; with ``eval_examples`` the evaluation split is theirs).
    ``atlas``: the teacher's atlas, required by a variant that reads one and checked against
    the digest the packet names (:func:`check_atlas`)."""
    from m2kt.ingest.student_side import EVAL_SPLIT, student_task
    from m2kt.models import load

    var = get_variant(variant)
    atlas = check_atlas(packet, atlas, var)
    if method not in METHODS:
        raise UsageError(f"ingestion method must be one of {', '.join(METHODS)}")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UsageError(f"{out_dir} exists and is not empty; ingestion writes a new student")
    policy = policy or load_policy()
    torch.manual_seed(seed)
    task = student_task(packet, inputs, eval_examples)
    if eval_examples is not None:
        eval_split = EVAL_SPLIT
    lm = load(student or task.student, progress=progress)
    return Run(packet=packet, out_dir=out_dir, var=var, task=task, lm=lm, policy=policy,
               seed=seed, lam=var.weights(task.track) | (weights or {}),
               steps=var.steps if steps is None else steps, lr=var.cal_lr if lr is None else lr,
               pool_limit=var.pool_limit if pool_limit is None else pool_limit, method=method,
               eval_split=eval_split, progress=progress, cancel=cancel, on_step=on_step,
               ledger=packet_ledger(packet, atlas=atlas), atlas=atlas)


def check_atlas(packet: VerifiedPacket, atlas: Atlas | None, var: Variant) -> Atlas | None:
    """The atlas this ingestion reads: ``None`` unless the variant reads one; then it must be
    given and be the one whose digest the packet names (a UsageError says which is wrong)."""
    if not var.uses_atlas:
        return None
    ref = packet.manifest.atlas
    if ref is None:
        raise UsageError(f"variant {var.name} reads an atlas, and this packet names none: "
                         "build the packet with --atlas FILE")
    if atlas is None:
        raise UsageError(f"variant {var.name} reads the teacher's atlas: pass --atlas FILE "
                         f"(the packet names atlas {ref.digest[:16]}…, {ref.strings:,} strings "
                         f"of {ref.teacher})")
    if atlas.digest != ref.digest:
        raise UsageError(f"this atlas ({atlas.digest[:16]}…) is not the one the packet names "
                         f"({ref.digest[:16]}…)")
    return atlas
