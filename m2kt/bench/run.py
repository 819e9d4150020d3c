"""``python -m m2kt bench``: M2KT against the strongest fair knowledge distillation on every
task (BENCHMARK.md v2; the JSON layout is a contract other tools rely on).

Per task, every arm runs in one process with the same seeds and the same student checkpoint,
and is scored on one held-out split (``--split``: ``test`` for reports, ``dev`` for every
research choice):

- ``m2kt`` — per seed a packet is built (its anchors re-drawn with the seed), approved by the
  bench policy, ingested, and the new student alone answers the split;
- ``prior`` — the best zero-crossing teacher-side aggregate (:mod:`m2kt.bench.arms`);
- ``kd`` (at M2KT's crossing count), ``kd_anchor`` (on exactly M2KT's anchors), ``kd_ssl``
  (KD plus the pool M2KT reads, with the label-free steps of :mod:`m2kt.ssl`),
  ``labels_budget``, the sweeps ``kd_sweep`` / ``kd_ssl_sweep`` over N = 8, 16, … doubling
  to the full pool, and ``kd_full`` (the better of both on the full pool);

then validity, parity against the upper envelope of the KD arms (log-linear interpolation and
a bootstrap interval over seeds × items), specificity and both retentions
(:mod:`m2kt.bench.figures`).
"""

from __future__ import annotations

import platform
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.bench.arms import TaskBench
from m2kt.bench.figures import derived, parity_ci
from m2kt.bench.parity import seed_stats
from m2kt.concepts.words import default_words
from m2kt.domains.base import EVAL_SPLITS, Task
from m2kt.domains.names import LANGUAGE_TASKS, SYMBOLIC_TASKS
from m2kt.errors import UsageError
from m2kt.ingest.variants import DEFAULT_VARIANT, Variant
from m2kt.models.spec import Progress, no_progress

TRACKS = {"language": LANGUAGE_TASKS, "symbolic": SYMBOLIC_TASKS}
QUICK_SWEEP = (8, 64, 512)
ANCHOR_SWEEP = (0, 16, 64, 256, 1024)
DEFAULT_ANCHORS = 64


def sweep_sizes(pool: int, quick: bool) -> list[int]:
    """KD sweep sizes: 8, 16, 32, … doubling below the pool size, then the full pool
    (``--quick``: 8, 64, 512 below it, then the full pool; KD + pool only at the full pool,
    besides M2KT's budget)."""
    sizes = [n for n in QUICK_SWEEP if n < pool] if quick else \
        [8 * 2**i for i in range(30) if 8 * 2**i < pool]
    return [*sizes, pool]


@dataclass(frozen=True)
class BenchOptions:
    """What to run. ``quick``: one seed, the short sweep and no ablations. ``teacher``: a
    model name that replaces the language tasks' teacher (its head is trained on
    ``teacher_train`` like the default one); symbolic tasks keep their own teacher.
    ``split``: the held-out split every arm is scored on (``dev`` for research choices)."""

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
    split: str = "test"
    #: tasks run in this many processes at once (each with its own torch threads); 0: one
    #: per core, at most 2 (:func:`auto_workers`)
    workers: int = 1

    def __post_init__(self) -> None:
        if self.split not in EVAL_SPLITS:
            raise UsageError(f"--split must be one of {', '.join(EVAL_SPLITS)}")

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
        if self.split != "test":
            parts.append(f"--split {self.split}")
        if self.variant != DEFAULT_VARIANT:
            parts.append(f"--variant {self.variant}")
        if self.anchors != DEFAULT_ANCHORS:
            parts.append(f"--anchors {self.anchors}")
        if self.teacher:
            parts.append(f"--teacher {self.teacher}")
        if not self.ablations and not self.quick:
            parts.append("--no-ablations")
        if self.workers > 1:
            parts.append(f"--workers {self.workers}")
        return " ".join(parts)


def _arm(results: list, tb: TaskBench, key: tuple[str, float], inputs: int,
         pool: bool = False, **extra: Any) -> dict[str, Any]:
    """One arm's entry from its per-seed results (``BaselineResult``); records correctness.
    ``pool``: the arm also read the student's unlabelled pool (ledger)."""
    tb.correct[key] = np.stack([r.pred == tb.y_eval for r in results])
    out: dict[str, Any] = {**seed_stats([r.acc for r in results]),
                           "seconds": float(np.mean([r.seconds for r in results])),
                           "inputs": inputs, "ledger": tb.ledger(inputs, pool=pool)}
    temps = [r.temperature for r in results if r.temperature is not None]
    if temps:
        out["temperature"] = temps
    choices = [r.choice for r in results if r.choice is not None]
    if choices:
        out["choice"] = choices
    return out | extra


def packet_words(task: Task, var: Variant) -> int:
    """Public words in the packets the bench builds for ``var`` on ``task``: the variant's
    ``relative_words`` on language class tasks, else 0 (``default_words`` says which tasks
    read words)."""
    return var.relative_words if default_words(task) else 0


def _m2kt(tb: TaskBench, opts: BenchOptions, seeds: list[int], workdir: Path,
          progress: Progress) -> tuple[dict[str, Any], list]:
    """Per seed: a packet with anchors re-drawn by the seed, approved, ingested, scored."""
    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.ingest.variants import get_variant

    var = get_variant(opts.variant)
    how, words = var.anchor_selection, packet_words(tb.task, var)
    runs, builts = [], []
    for s in seeds:
        progress(f"{tb.task.name}: packet and ingestion, seed {s} ({opts.anchors} anchors)",
                 None)
        b = build_and_approve(tb.task, tb.teacher, opts.anchors, workdir, anchor_selection=how,
                              seed=s, relative_words=words)
        builts.append(b)
        runs.append(ingest_approved(b, s, variant=opts.variant, eval_split=opts.split))
    tb.correct[("m2kt", 0)] = np.stack([r.extra["pred"] == tb.y_eval for r in runs])
    swapped = [float((r.extra["pred_swapped"] == tb.y_eval).mean()) for r in runs]
    entry = {**seed_stats([r.accuracy for r in runs]),
             "seconds": float(np.mean([r.seconds + b.seconds for r, b in zip(runs, builts,
                                                                               strict=True)])),
             "ledger": runs[0].ledger.as_dict(), "packet_bytes": builts[0].size,
             "build_seconds": float(np.mean([b.seconds for b in builts])),
             "gates_passed": [r.passed for r in runs],
             "alignment": runs[0].extra.get("alignment"),
             "map": [r.extra.get("method") for r in runs],
             "readout": [r.extra.get("readout") for r in runs],
             "variant": opts.variant, "anchor_selection": how,
             "accs_swapped": swapped}
    return entry, builts


def task_bench(name: str, opts: BenchOptions, progress: Progress = no_progress) -> TaskBench:
    """The shared material of task ``name`` for ``opts`` (reusable across variants)."""
    from m2kt.domains.registry import get_task

    return TaskBench(get_task(name), opts.split, opts.device, progress, quick=opts.quick,
                     teacher=opts.teacher)


def bench_task(name: str, opts: BenchOptions, workdir: Path,
               progress: Progress = no_progress, tb: TaskBench | None = None
               ) -> dict[str, Any]:
    """Every arm of BENCHMARK.md on one task; returns the task's JSON entry. ``tb``: shared
    material from :func:`task_bench` (KD measurements are then computed once for every
    variant benched with it)."""
    seeds = opts.seed_list()
    tb = tb or task_bench(name, opts, progress)
    tb.correct = {}
    m2kt, builts = _m2kt(tb, opts, seeds, workdir, progress)
    budget = m2kt["ledger"]["crossing_inputs"]
    methods: dict[str, Any] = {"m2kt": m2kt}
    progress(f"{name}: the prior arm (zero crossing)", None)
    methods["prior"] = tb.prior(len(seeds))
    progress(f"{name}: KD, KD + pool, labels at M2KT's budget ({budget} inputs)", None)
    if budget:
        kd, ssl = tb.kd_subset(budget, seeds)
        methods["kd"] = _arm(kd, tb, ("kd", budget), budget)
        methods["kd_ssl"] = _arm(ssl, tb, ("kd_ssl", budget), budget, pool=True)
        methods["labels_budget"] = _arm(tb.labels_subset(budget, seeds), tb,
                                        ("labels", budget), budget)
    # with no input, KD (and labels) leave the student where it starts
    start = {**seed_stats([tb.start()] * len(seeds)), "seconds": 0.0, "inputs": 0,
             "ledger": tb.ledger(0), "note": "no inputs: the student's starting point"}
    if not budget:  # zero crossing
        methods.update(kd=start, kd_ssl=start, labels_budget=start)
    n_anchor = len(builts[0].anchors)
    methods["kd_anchor"] = start
    if n_anchor:
        progress(f"{name}: KD on M2KT's {n_anchor} anchors", None)
        anchor_kd, _ = tb.kd_pair([list(b.anchors) for b in builts], seeds, ssl_too=False)
        methods["kd_anchor"] = _arm(anchor_kd, tb, ("kd_anchor", n_anchor), n_anchor,
                                    selection=m2kt["anchor_selection"])
    sweep, ssl_sweep = [], []
    for n in sweep_sizes(len(tb.pool), opts.quick):
        if opts.quick and n < len(tb.pool):  # --quick: KD + pool only at the full pool
            progress(f"{name}: KD on {n} inputs", None)
            sweep.append(_arm(tb.kd_only(n, seeds), tb, ("kd", n), n))
            continue
        progress(f"{name}: KD and KD + pool on {n} inputs", None)
        kd, ssl = tb.kd_subset(n, seeds)
        sweep.append(_arm(kd, tb, ("kd", n), n))
        ssl_sweep.append(_arm(ssl, tb, ("kd_ssl", n), n, pool=True))
    methods["kd_sweep"] = [_point(p) for p in sweep]
    methods["kd_ssl_sweep"] = [_point(p) for p in ssl_sweep]
    best = max((("kd", sweep[-1]), ("kd_ssl", ssl_sweep[-1])), key=lambda a: a[1]["acc"])
    methods["kd_full"] = {**best[1], "arm": best[0]}
    entry: dict[str, Any] = {
        "track": tb.task.track, "split": opts.split,
        "teacher": {"name": tb.teacher.name, "acc": tb.teacher_acc()},
        "student_before": {"name": tb.task.student, "acc": tb.start(),
                           "method": tb.start_method(), "chance": 1.0 / len(tb.task.labels)},
        "split_sizes": tb.task.split_sizes(), "methods": methods,
    }
    entry.update(derived(entry))
    entry["data_reduction_at_parity_ci"] = parity_ci(entry, tb.correct)
    entry["specificity"] = {"acc": m2kt["acc"], "acc_swapped": float(np.mean(
        m2kt["accs_swapped"])), "gap": m2kt["acc"] - float(np.mean(m2kt["accs_swapped"]))}
    entry["ablations"] = ({} if opts.quick or not opts.ablations
                          else ablations(tb, builts[0], seeds[0], workdir, opts, progress))
    return entry


def _point(arm: dict[str, Any]) -> dict[str, Any]:
    keep = ("inputs", "acc", "acc_std", "acc_ci", "accs", "seconds", "temperature", "choice")
    return {k: arm[k] for k in keep if k in arm}


def ablations(tb: TaskBench, built, seed: int, workdir: Path, opts: BenchOptions,
              progress: Progress) -> dict[str, Any]:
    """One seed: each loss term off, each alignment method, and the anchor-count sweep."""
    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.errors import M2KTError
    from m2kt.ingest.trainer import METHODS, TERMS
    from m2kt.ingest.variants import get_variant

    def acc(b, **kw) -> float:
        return ingest_approved(b, seed, variant=opts.variant, eval_split=opts.split,
                               **kw).accuracy

    out: dict[str, Any] = {"seed": seed, "terms_off": {}, "methods": {}, "anchors": {}}
    for t in TERMS:
        progress(f"{tb.task.name}: ablation, {t} term off", None)
        out["terms_off"][t] = acc(built, weights={t: 0.0})
    for meth in METHODS:
        progress(f"{tb.task.name}: alignment method {meth}", None)
        out["methods"][meth] = acc(built, method=meth)
    var = get_variant(opts.variant)
    how, words = var.anchor_selection, packet_words(tb.task, var)
    for k in ANCHOR_SWEEP:
        if k > len(tb.pool):
            continue
        progress(f"{tb.task.name}: {k} anchors", None)
        try:
            b = built if k == opts.anchors else build_and_approve(
                tb.task, tb.teacher, k, workdir, anchor_selection=how, seed=seed,
                relative_words=words)
            r = ingest_approved(b, seed, variant=opts.variant, eval_split=opts.split)
            out["anchors"][str(k)] = {"acc": r.accuracy,
                                      "crossing_inputs": r.ledger.crossing_inputs}
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
    names = opts.task_names()
    tasks: dict[str, Any] = {}
    if opts.workers > 1 and len(names) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with _threads_per_worker(opts.workers), \
                ProcessPoolExecutor(min(opts.workers, len(names)),
                                    mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_task_in_worker, name, opts): name
                       for name in sorted(names, key=lambda n: -LONGEST_FIRST.get(n, 0))}
            for fut in as_completed(futures):
                name = futures[fut]
                tasks[name] = fut.result()
                progress(f"{name}: done", None)
                if on_task:
                    on_task(name, tasks[name])
        tasks = {name: tasks[name] for name in names}  # the report keeps the task order
    else:
        with tempfile.TemporaryDirectory(prefix="m2kt-bench-") as tmp:
            for name in names:
                t1 = time.perf_counter()
                tasks[name] = bench_task(name, opts, Path(tmp), progress)
                tasks[name]["seconds"] = round(time.perf_counter() - t1, 1)
                if on_task:
                    on_task(name, tasks[name])
    return {"meta": run_meta(opts, started, time.perf_counter() - t0), "tasks": tasks}


def auto_workers() -> int:
    """The default number of task processes: one per core, at most 2 (each task holds its
    models in memory; more processes than cores only slow each other)."""
    import os

    return max(1, min(2, os.cpu_count() or 1))


#: the order the worker processes take tasks in, longest first (each task's time in
#: docs/results/perf/bench-quick-cold.json): the last task to start is a short one
LONGEST_FIRST = {"gloss": 6, "supersense": 5, "multistep": 4, "modular": 3, "taxonomy": 2,
                 "hypernymy": 1}

#: the thread-pool variables of torch (OpenMP, MKL) and numpy/scipy (OpenBLAS)
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@contextmanager
def _threads_per_worker(workers: int) -> Iterator[None]:
    """While the worker processes are spawned, the thread-pool variables say one share of
    the cores per worker (unless the user set them): spawned processes read them when they
    load their BLAS, so two workers on two cores do not run four spinning BLAS threads."""
    import os

    per = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    saved = {v: os.environ.get(v) for v in THREAD_VARS}
    if saved["OMP_NUM_THREADS"] is None:
        os.environ.update({v: per for v in THREAD_VARS if saved[v] is None})
    try:
        yield
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old


def _print_progress(message: str, fraction: float | None) -> None:
    """Progress of a worker process: one line on stderr (the parent's terminal)."""
    import sys

    print(f"  · {message}", file=sys.stderr, flush=True)


def _task_in_worker(name: str, opts: BenchOptions) -> dict[str, Any]:
    """One task of ``run_bench --workers N`` in a spawned process; the task's entry."""
    import torch

    # the thread count comes from the variables _threads_per_worker set for the spawn
    _exit_with_parent()
    torch.manual_seed(0)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"m2kt-bench-{name}-") as tmp:
        entry = bench_task(name, opts, Path(tmp), _print_progress)
    entry["seconds"] = round(time.perf_counter() - t1, 1)
    return entry


def _exit_with_parent(every_s: float = 2.0) -> None:
    """A worker leaves when the bench that spawned it is gone (killed by a signal it could not
    pass on): otherwise an orphaned worker would keep its core busy for the rest of its task."""
    import os
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="m2kt-exit-with-parent", daemon=True).start()


def run_meta(opts: BenchOptions, started: str, seconds: float) -> dict[str, Any]:
    """The ``meta`` block of a bench result."""
    return {"protocol": "m2kt-bench/2", "quick": opts.quick, "seeds": opts.seed_list(),
            "split": opts.split, "device": opts.device, "variant": opts.variant,
            "anchors": opts.anchors, "teacher": opts.teacher,
            "ablations": opts.ablations and not opts.quick, "versions": versions(),
            "started": started, "seconds": round(seconds, 1), "command": opts.command()}
