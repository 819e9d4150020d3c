"""The benchmark's independent runs, and running them in this process (issue 18).

A *run* is one unit of work on one task, named by a tuple:

- ``("m2kt", seed)``: build the seed's packet (its anchors re-drawn by the seed), approve it,
  ingest it and score the student → :class:`M2KTRun`;
- ``("kd", n, seed, ssl)``: KD on ``n`` pool inputs drawn with ``seed`` and, when ``ssl``,
  ``kd_ssl`` on them plus the student's pool → ``(BaselineResult, BaselineResult | None)``;
- ``("labels", n, seed)``: the ``labels_budget`` arm → ``BaselineResult``;
- ``("kd_anchor", seed, anchors)``: KD on exactly M2KT's anchors of that seed, given as
  (key, text) pairs (pool inputs are found by key) → ``BaselineResult``;
- ``("kd_words", n, seed, ssl)``: KD on the teacher's answers on the public strings the
  packet uses plus ``n`` pool inputs and, when ``ssl``, with the pool →
  ``(BaselineResult, BaselineResult | None)``;
- ``("control", kind, seed)``: a teacher-specificity control (:mod:`m2kt.bench.controls`,
  ``permuted`` or ``random_head``) ingested like the seed's packet → :class:`ControlRun`;
- ``("ablations", seed)``: each loss term off, each alignment method and the anchor-count
  sweep on the seed's packet → a dict.

A run's result depends only on the task, the options and the run itself (every draw is seeded
by the run's seed), so runs may execute in any order and in any process: :class:`LocalRunner`
here, or Ray tasks (:mod:`m2kt.bench.spread`) — with the same results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.bench.arms import TaskBench
from m2kt.models.spec import Progress, no_progress

Run = tuple


@dataclass
class M2KTRun:
    """One seed of the M2KT arm: the student's answers ``pred`` (n_eval,); the rest as in the
    report."""

    acc: float
    pred: np.ndarray
    ledger: dict[str, int]
    seconds: float
    build_seconds: float
    packet_bytes: int
    passed: bool
    alignment: Any
    method: Any
    readout: Any
    #: the packet's anchors as (key, text) pairs, for ``kd_anchor``
    anchors: tuple[tuple[str, str], ...]
    #: the packet's abstraction graph scored against the task's reference
    #: (:func:`m2kt.graph.compare.graph_summary`)
    graph: dict[str, Any]
    #: the packet's public reference strings (concept labels and words), for the overlap
    #: report
    public: tuple[str, ...] = ()
    #: every string the packet's traces carry teacher answers for (queries and their steps),
    #: for the overlap report
    traces: tuple[str, ...] = ()


@dataclass
class ControlRun:
    """One seed of a teacher-specificity control: the student's answers and figures."""

    kind: str
    acc: float
    pred: np.ndarray
    passed: bool
    ledger: dict[str, int]


def describe(run: Run) -> str:
    """A short human name of ``run`` for progress lines."""
    kind = run[0]
    if kind == "m2kt":
        return f"packet and ingestion, seed {run[1]}"
    if kind == "kd":
        return f"KD{' and KD + pool' if run[3] else ''} on {run[1]} inputs, seed {run[2]}"
    if kind == "labels":
        return f"labels on {run[1]} inputs, seed {run[2]}"
    if kind == "kd_anchor":
        return f"KD on M2KT's {len(run[2])} anchors, seed {run[1]}"
    if kind == "kd_words":
        return (f"KD{' and KD + pool' if run[3] else ''} on the packet's public strings and "
                f"{run[1]} inputs, seed {run[2]}")
    if kind == "control":
        return f"control ({run[1].replace('_', ' ')} packet), seed {run[2]}"
    return f"ablations, seed {run[1]}"


class LocalRunner:
    """Runs runs in this process on ``tb`` (packets written under ``workdir``); keeps the
    packets it built so that the ablations reuse the seed's packet."""

    def __init__(self, tb: TaskBench, opts, workdir: Path, progress: Progress = no_progress):
        self.tb, self.opts, self.workdir, self.progress = tb, opts, workdir, progress
        self.builts: dict[int, Any] = {}
        self._atlas: Any = None

    def atlas(self) -> Any:
        """The teacher's atlas when the bench's variant reads one (built once into the
        workspace, :func:`m2kt.bench.m2kt_run.bench_atlas`), else ``None``."""
        from m2kt.ingest.variants import get_variant

        var = get_variant(self.opts.variant)
        if not var.uses_atlas:
            return None
        if self._atlas is None:
            from m2kt.bench.m2kt_run import bench_atlas

            self._atlas = bench_atlas(self.tb.teacher.name, var.atlas_strings)
        return self._atlas

    def __call__(self, runs: list[Run]) -> list[Any]:
        return [self.one(r) for r in runs]

    def one(self, run: Run) -> Any:
        """The result of one run (module doc)."""
        tb = self.tb
        self.progress(f"{tb.task.name}: {describe(run)}", None)
        kind = run[0]
        if kind == "m2kt":
            return self._m2kt(run[1])
        if kind == "kd":
            _, n, seed, ssl = run
            if ssl:
                kd, kd_ssl = tb.kd_subset(n, [seed])
                return kd[0], kd_ssl[0]
            return tb.kd_only(n, [seed])[0], None
        if kind == "labels":
            return tb.labels_subset(run[1], [run[2]])[0]
        if kind == "kd_words":
            _, n, seed, ssl = run
            kd, kd_ssl = tb.kd_words(n, [seed], ssl_too=ssl)
            return kd[0], (kd_ssl[0] if ssl else None)
        if kind == "control":
            return self._control(run[1], run[2])
        if kind == "kd_anchor":
            from m2kt.domains.base import Example

            by_key = {e.key: e for e in tb.pool}
            exs = [by_key.get(k) or Example(text=t, label=0, key=k) for k, t in run[2]]
            return tb.kd_pair([exs], [run[1]], ssl_too=False)[0][0]
        if kind == "ablations":
            from m2kt.bench.run import ablations

            seed = run[1]
            built = self.builts.get(seed) or self._build(seed)
            return ablations(tb, built, seed, self.workdir, self.opts, self.progress)
        raise ValueError(f"unknown bench run {run!r}")

    def _build(self, seed: int):
        from m2kt.bench.m2kt_run import build_and_approve
        from m2kt.bench.run import packet_l2, packet_words
        from m2kt.ingest.variants import get_variant

        var = get_variant(self.opts.variant)
        b = build_and_approve(self.tb.task, self.tb.teacher, self.opts.anchors, self.workdir,
                              progress=self._sub("packet"),
                              anchor_selection=var.anchor_selection, seed=seed,
                              relative_words=packet_words(self.tb.task, var),
                              relative_l2=packet_l2(self.tb.task, var), atlas=self.atlas())
        self.builts[seed] = b
        return b

    def _sub(self, what: str) -> Progress:
        """This runner's progress for one part of a run, its messages prefixed (in-process
        runs: every step of a build or an ingestion is reported, never a silent minute)."""
        from m2kt.models.spec import messages_only

        return messages_only(self.progress, f"{self.tb.task.name}: {what}: ")

    def _control(self, kind: str, seed: int) -> ControlRun:
        """The seed's ``kind`` control packet (:mod:`m2kt.bench.controls`), ingested with the
        bench's variant and seed."""
        from m2kt.bench.controls import permuted_packet, random_head_teacher
        from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
        from m2kt.bench.run import packet_l2, packet_words
        from m2kt.ingest.variants import get_variant

        if kind == "permuted":
            b = permuted_packet(self.builts.get(seed) or self._build(seed), seed, self.workdir)
        elif kind == "random_head":
            var = get_variant(self.opts.variant)
            b = build_and_approve(self.tb.task, random_head_teacher(self.tb.teacher, seed),
                                  self.opts.anchors, self.workdir,
                                  progress=self._sub("random-head packet"),
                                  anchor_selection=var.anchor_selection, seed=seed,
                                  relative_words=packet_words(self.tb.task, var),
                                  relative_l2=packet_l2(self.tb.task, var), tag="-randomhead",
                                  atlas=self.atlas())
        else:
            raise ValueError(f"unknown control {kind!r}")
        r = ingest_approved(b, seed, variant=self.opts.variant, eval_split=self.opts.split,
                            progress=self._sub("ingestion"), atlas=self.atlas())
        return ControlRun(kind, r.accuracy, r.extra["pred"], r.passed, r.ledger.as_dict())

    def _m2kt(self, seed: int) -> M2KTRun:
        from m2kt.bench.m2kt_run import ingest_approved
        from m2kt.graph.compare import graph_summary
        from m2kt.ledger import reference_strings, trace_strings

        b = self._build(seed)
        r = ingest_approved(b, seed, variant=self.opts.variant, eval_split=self.opts.split,
                            progress=self._sub("ingestion"), atlas=self.atlas())
        g = b.packet.graph
        graph = graph_summary([e.model_dump() for e in g.edges], g.method, len(g.nodes),
                              self.tb.task.reference)
        return M2KTRun(r.accuracy, r.extra["pred"],
                       r.ledger.as_dict(), r.seconds, b.seconds, b.size, r.passed,
                       r.extra.get("alignment"), r.extra.get("method"),
                       r.extra.get("readout"), tuple((e.key, e.text) for e in b.anchors),
                       graph, tuple(reference_strings(b.packet))
                       + (tuple(self.atlas().strings) if self.atlas() is not None else ()),
                       tuple(trace_strings(b.packet.traces.traces)))
