"""``python -m m2kt bench``: M2KT against knowledge distillation on every task
(BENCHMARK.md; the JSON layout is a contract other tools rely on).

Per task and seed: the ``m2kt`` method (packet → approval → ingestion → student alone), logit
KD on as many pool inputs as M2KT's ledger counted as crossing (``kd_budget``), supervised
training on as many *labelled* pool inputs (``labels_budget``), and the KD sweep over
``N`` pool inputs up to the full pool (``kd_full``).  Every method is evaluated on ``test``
only.  Reductions are computed from the ledgers in the result (:func:`reductions`).
"""

from __future__ import annotations

import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.bench.kd import BaselineResult, finetune_student, frozen_head, payload_bytes
from m2kt.domains.base import Example, Task
from m2kt.errors import UsageError
from m2kt.ingest.variants import DEFAULT_VARIANT
from m2kt.models.spec import Progress, no_progress

TRACKS = {"language": ("supersense", "hypernymy"),
          "symbolic": ("taxonomy", "modular", "multistep")}
SWEEP_FULL = (16, 64, 256, 1024, 4096, 16384)
SWEEP_QUICK = (16, 64, 256)
ANCHOR_SWEEP = (0, 16, 64, 256, 1024)
DEFAULT_ANCHORS = 64


@dataclass(frozen=True)
class BenchOptions:
    """What to run. ``quick``: one seed, the short sweep and no ablations. ``teacher``: a
    model name that replaces the language tasks' teacher (its head is trained on
    ``teacher_train`` like the default one); symbolic tasks keep their own teacher."""

    track: str = "all"
    quick: bool = False
    seeds: int = 3
    device: str = "cpu"
    anchors: int = DEFAULT_ANCHORS
    variant: str = DEFAULT_VARIANT
    tasks: tuple[str, ...] | None = None
    #: teacher model of the language tasks instead of each task's own (cross-architecture)
    teacher: str | None = None
    ablations: bool = True

    def task_names(self) -> tuple[str, ...]:
        if self.tasks:
            return self.tasks
        if self.track == "all":
            if self.teacher:  # another teacher applies to the language tasks only
                return TRACKS["language"]
            return (*TRACKS["language"], *TRACKS["symbolic"])
        if self.track not in TRACKS:
            raise UsageError("--track must be symbolic, language or all")
        return TRACKS[self.track]

    def seed_list(self) -> list[int]:
        return [0] if self.quick else list(range(max(1, self.seeds)))

    def command(self) -> str:
        """The ``python -m m2kt bench`` command line these options stand for."""
        parts = ["python -m m2kt bench"]
        if self.quick:
            parts.append("--quick")
        elif self.seeds != 3:
            parts.append(f"--seeds {self.seeds}")
        if self.tasks:
            parts.append("--tasks " + " ".join(self.tasks))
        elif self.track != "all":
            parts.append(f"--track {self.track}")
        if self.variant != DEFAULT_VARIANT:
            parts.append(f"--variant {self.variant}")
        if self.anchors != DEFAULT_ANCHORS:
            parts.append(f"--anchors {self.anchors}")
        if self.teacher:
            parts.append(f"--teacher {self.teacher}")
        if not self.ablations and not self.quick:
            parts.append("--no-ablations")
        return " ".join(parts)


def _mean_std(xs: Sequence[float]) -> tuple[float, float]:
    a = np.asarray(xs, dtype=float)
    return float(a.mean()), float(a.std())


def beats_start(entry: dict[str, Any]) -> dict[str, Any]:
    """Whether M2KT's test accuracy is above the student's start beyond chance
    (:func:`m2kt.verify.stats.above_start`: one-sided binomial test against the recorded start
    or uniform chance ``student_before.chance``, whichever is higher, on ``split_sizes.test``
    items). Returns ``{"beats": bool|None, "p": float|None, "bar": float|None}``."""
    from m2kt.verify.stats import above_start

    sb = entry.get("student_before") or {}
    r = above_start(entry["methods"]["m2kt"]["acc"],
                    (entry.get("split_sizes") or {}).get("test"), sb.get("acc"), sb.get("chance"))
    return ({"beats": None, "p": None, "bar": None} if r is None
            else {"beats": r.beats, "p": r.p, "bar": r.bar})


def reductions(entry: dict[str, Any]) -> dict[str, float | int | None]:
    """Parity inputs and data reductions of one task entry, from its own ledgers and sweep.

    ``kd_parity_inputs`` is the smallest ``N`` among the KD sweep *and* KD at M2KT's budget
    whose KD accuracy reaches M2KT's;
    ``data_reduction_vs_kd_full = 1 − m2kt.crossing / kd_full.crossing``;
    ``data_reduction_at_parity = 1 − m2kt.crossing / kd_parity_inputs`` (null without parity).
    When M2KT does not beat the student's starting point (:func:`beats_start`) there is no
    parity to speak of (KD would "match" it with no data): both are null.
    """
    m = entry["methods"]
    acc = m["m2kt"]["acc"]
    crossing = m["m2kt"]["ledger"]["crossing_inputs"]
    # every KD measurement counts: the sweep and KD at M2KT's own budget (a coarse sweep must
    # not hide that KD already matches M2KT at the same number of inputs)
    points = [(p["inputs"], p["acc"]) for p in m["kd_sweep"]]
    if "kd_budget" in m and m["kd_budget"].get("inputs"):
        points.append((m["kd_budget"]["inputs"], m["kd_budget"]["acc"]))
    parity = next((n for n, a in sorted(points) if a >= acc), None)
    full = m["kd_full"]["ledger"]["crossing_inputs"]
    if beats_start(entry)["beats"] is False:
        # M2KT did not move the student: "parity" with it is no achievement, no reduction
        parity = None
    return {
        "kd_parity_inputs": parity,
        "data_reduction_vs_kd_full": 1.0 - crossing / full if full else None,
        "data_reduction_at_parity": (1.0 - crossing / parity) if parity else None,
    }


class TaskBench:
    """Shared, once-computed material of one task: teacher answers on the pool, student
    features (language track), labels — so every method reuses them."""

    def __init__(self, task: Task, device: str, progress: Progress, quick: bool = False,
                 teacher: str | None = None):
        from m2kt.concepts.teacher import load_teacher
        from m2kt.models import load

        self.task = task
        self.progress = progress
        #: fine-tuning budget of the symbolic KD student (steps), shorter in quick mode
        self.steps = (200, 600) if quick else (300, 1500)
        self.teacher = load_teacher(task, name=teacher if task.track == "language" else None,
                                    device=device, progress=progress)
        self.student = load(task.student, device=device, progress=progress)
        self.pool: list[Example] = list(task.splits["transfer_pool"])
        self.test: list[Example] = list(task.splits["test"])
        self.y_pool = np.array([e.label for e in self.pool])
        self.y_test = np.array([e.label for e in self.test])
        progress(f"{task.name}: teacher answers the transfer pool ({len(self.pool)} inputs)",
                 None)
        self.t_proba = self.teacher.proba(self.pool)
        self.k = len(task.labels)
        if task.track == "language":
            from m2kt.domains.language import features

            self.f_pool = features(self.student, task, self.pool, progress)
            self.f_test = features(self.student, task, self.test, progress)

    def subset(self, n: int, seed: int) -> np.ndarray:
        """Indices of ``n`` pool inputs drawn with ``seed`` (all of them when n ≥ pool)."""
        if n >= len(self.pool):
            return np.arange(len(self.pool))
        return np.sort(np.random.default_rng(1000 + seed).permutation(len(self.pool))[:n])

    def train(self, idx: np.ndarray, seed: int, labels: bool = False) -> BaselineResult:
        """KD (teacher targets) or supervised (gold labels) on the pool rows ``idx``."""
        targets = (np.eye(self.k)[self.y_pool[idx]] if labels
                   else self.t_proba[idx].astype(np.float64))
        if self.task.track == "language":
            return frozen_head(self.f_pool[idx], targets, self.f_test, self.y_test, seed,
                               soft=not labels)
        return finetune_student(self.student.path, [self.pool[i].text for i in idx], targets,
                                [e.text for e in self.test], self.y_test, seed,
                                temperature=1.0 if labels else 2.0,
                                min_steps=self.steps[0], max_steps=self.steps[1])

    def ledger(self, n: int) -> dict[str, int]:
        """A KD/labels run on ``n`` pool inputs: the teacher answers them, all of it crosses."""
        extra = len(self.task.concepts) if self.task.name == "hypernymy" else 0
        return {"student_inputs": n + extra, "crossing_inputs": n, "teacher_inputs": n}


def _baseline(tb: TaskBench, n: int, seeds: list[int], labels: bool = False) -> dict[str, Any]:
    if n <= 0:  # nothing to train on: the student stays at its recorded starting point
        from m2kt.domains.registry import recorded

        before = recorded().get(tb.task.name, {}).get("student_before_acc") or 0.0
        return {"acc": before, "acc_std": 0.0, "seconds": 0.0, "inputs": 0,
                "ledger": tb.ledger(0) | {"student_inputs": 0}, "payload_bytes": 0,
                "note": "no inputs: the student's starting point"}
    res = [tb.train(tb.subset(n, s), s, labels=labels) for s in seeds]
    n_eff = min(n, len(tb.pool))
    acc, std = _mean_std([r.acc for r in res])
    out: dict[str, Any] = {
        "acc": acc, "acc_std": std, "seconds": float(np.mean([r.seconds for r in res])),
        "inputs": n_eff, "ledger": tb.ledger(n_eff),
        "payload_bytes": payload_bytes([tb.pool[i].text for i in tb.subset(n_eff, seeds[0])],
                                       tb.k)}
    temps = [r.temperature for r in res if r.temperature is not None]
    if temps and not labels:
        out["temperature"] = temps
    return out


def _m2kt(tb: TaskBench, built, seeds: list[int], progress: Progress,
          **kwargs) -> dict[str, Any]:
    from m2kt.bench.m2kt_run import ingest_approved

    runs = [ingest_approved(built, s, progress=progress, **kwargs) for s in seeds]
    acc, std = _mean_std([r.accuracy for r in runs])
    return {"acc": acc, "acc_std": std,
            "seconds": float(np.mean([r.seconds for r in runs])) + built.seconds,
            "ledger": runs[0].ledger.as_dict(), "packet_bytes": built.size,
            "build_seconds": built.seconds,
            "gates_passed": [r.passed for r in runs],
            "alignment": runs[0].extra.get("alignment"),
            "map": runs[0].extra.get("method"), "readout": runs[0].extra.get("readout"),
            "selection": runs[0].extra.get("selection"), "variant": kwargs.get("variant")}


def bench_task(name: str, opts: BenchOptions, workdir: Path,
               progress: Progress = no_progress) -> dict[str, Any]:
    """Every method of BENCHMARK.md on one task; returns the task's JSON entry."""
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.domains.registry import get_task, recorded

    task = get_task(name)
    rec = recorded().get(name, {})
    seeds = opts.seed_list()
    tb = TaskBench(task, opts.device, progress, quick=opts.quick, teacher=opts.teacher)
    progress(f"{name}: building and approving the packet ({opts.anchors} anchors)", None)
    from m2kt.ingest.variants import get_variant

    how = get_variant(opts.variant).anchor_selection
    built = build_and_approve(task, tb.teacher, opts.anchors, workdir, progress=no_progress,
                              anchor_selection=how)
    progress(f"{name}: ingestion × {len(seeds)} seed(s)", None)
    m2kt = _m2kt(tb, built, seeds, no_progress, variant=opts.variant)
    budget = m2kt["ledger"]["crossing_inputs"]
    sizes = [n for n in (SWEEP_QUICK if opts.quick else SWEEP_FULL) if n < len(tb.pool)]
    sweep = []
    for n in [*sizes, len(tb.pool)]:
        progress(f"{name}: KD on {n} inputs", None)
        b = _baseline(tb, n, seeds)
        sweep.append({"inputs": b["inputs"], "acc": b["acc"], "acc_std": b["acc_std"],
                      "seconds": b["seconds"]})
        if n == len(tb.pool):
            kd_full = b
    progress(f"{name}: KD and labels at M2KT's budget ({budget} inputs)", None)
    entry: dict[str, Any] = {
        "track": task.track,
        "teacher": {"name": tb.teacher.name, "acc": _teacher_acc(tb, rec)},
        "student_before": {"name": task.student, "acc": rec.get("student_before_acc"),
                           "method": rec.get("student_before_method"),
                           "chance": 1.0 / len(task.labels)},
        "split_sizes": task.split_sizes(),
        "methods": {"m2kt": m2kt, "kd_budget": _baseline(tb, budget, seeds),
                    "labels_budget": _baseline(tb, budget, seeds, labels=True),
                    "kd_full": kd_full, "kd_sweep": sweep},
    }
    entry.update(reductions(entry))
    t_acc = entry["teacher"]["acc"]
    entry["retention"] = m2kt["acc"] / t_acc if t_acc else None
    entry["ablations"] = ({} if opts.quick or not opts.ablations
                          else ablations(tb, built, seeds[0], workdir, opts, progress))
    return entry


def _teacher_acc(tb: TaskBench, rec: dict[str, Any]) -> float | None:
    """The teacher's test accuracy: the committed record for the task's own teacher, else
    (another language teacher) the accuracy measured when its head was trained."""
    if tb.teacher.name == tb.task.teacher:
        return rec.get("teacher_acc")
    return (tb.teacher.record or {}).get("acc")


def ablations(tb: TaskBench, built, seed: int, workdir: Path, opts: BenchOptions,
              progress: Progress) -> dict[str, Any]:
    """One seed: each loss term off, each alignment method, and the anchor-count sweep."""
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.errors import M2KTError
    from m2kt.ingest.trainer import METHODS, TERMS
    from m2kt.ingest.variants import get_variant

    out: dict[str, Any] = {"seed": seed, "terms_off": {}, "methods": {}, "anchors": {}}
    for t in TERMS:
        progress(f"{tb.task.name}: ablation, {t} term off", None)
        out["terms_off"][t] = _m2kt(tb, built, [seed], no_progress, weights={t: 0.0},
                                   variant=opts.variant)["acc"]
    for meth in METHODS:
        progress(f"{tb.task.name}: alignment method {meth}", None)
        out["methods"][meth] = _m2kt(tb, built, [seed], no_progress, method=meth,
                                     variant=opts.variant)["acc"]
    for k in ANCHOR_SWEEP:
        if k > len(tb.pool):
            continue
        progress(f"{tb.task.name}: {k} anchors", None)
        try:
            b = (built if k == opts.anchors else
                 build_and_approve(tb.task, tb.teacher, k, workdir, progress=no_progress,
                                   anchor_selection=get_variant(opts.variant).anchor_selection))
            r = _m2kt(tb, b, [seed], no_progress, variant=opts.variant)
            out["anchors"][str(k)] = {"acc": r["acc"],
                                      "crossing_inputs": r["ledger"]["crossing_inputs"]}
        except M2KTError as exc:  # e.g. 0 anchors: the method needs some
            out["anchors"][str(k)] = {"acc": None, "error": f"{type(exc).__name__}: {exc}"}
    return out


def versions() -> dict[str, str]:
    import torch
    import transformers

    from m2kt import __version__

    return {"m2kt": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "numpy": np.__version__}


def run_bench(opts: BenchOptions, progress: Progress = no_progress,
              on_task: Callable[[str, dict], None] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the contract JSON (see BENCHMARK.md)."""
    import torch

    from m2kt.models.registry import pick_device

    device = pick_device(opts.device)
    opts = BenchOptions(**{**opts.__dict__, "device": device})
    torch.manual_seed(0)
    t0 = time.perf_counter()
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tasks: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="m2kt-bench-") as tmp:
        for name in opts.task_names():
            t1 = time.perf_counter()
            tasks[name] = bench_task(name, opts, Path(tmp), progress)
            tasks[name]["seconds"] = round(time.perf_counter() - t1, 1)
            if on_task:
                on_task(name, tasks[name])
    return {"meta": {"quick": opts.quick, "seeds": opts.seed_list(), "device": device,
                     "variant": opts.variant, "anchors": opts.anchors,
                     "teacher": opts.teacher, "ablations": opts.ablations and not opts.quick,
                     "versions": versions(), "started": started,
                     "seconds": round(time.perf_counter() - t0, 1),
                     "command": opts.command()},
            "tasks": tasks}
