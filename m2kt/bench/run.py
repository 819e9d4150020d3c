"""``python -m m2kt bench``: M2KT against the strongest fair knowledge distillation on every
task (BENCHMARK.md v2; the JSON layout is a contract other tools rely on).

Per task, every arm uses the same seeds and the same student checkpoint — its runs one after
another in this process, or as Ray tasks with ``--workers`` (:mod:`m2kt.bench.spread`; the
same report) — and is scored on one held-out split (``--split``: ``test`` for reports,
``dev`` for every research choice):

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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.bench.arms import TaskBench
from m2kt.bench.figures import derived, parity_ci
from m2kt.bench.parity import seed_stats
from m2kt.bench.runs import LocalRunner, M2KTRun
from m2kt.concepts.words import reads_words
from m2kt.domains.base import EVAL_SPLITS, Task
from m2kt.domains.names import LANGUAGE_TASKS, REASONING_TASKS, SYMBOLIC_TASKS
from m2kt.errors import UsageError
from m2kt.ingest.variants import DEFAULT_VARIANT, Variant
from m2kt.models.spec import Progress, messages_only, no_progress

#: the symbolic tasks the benchmark no longer runs by track: invalid under BENCHMARK v3 on
#: test (taxonomy: KD on the full pool closes 9 % of the teacher − start gap; modular: 45 %;
#: docs/results/symbolic). They stay tasks of the workbench and run with ``--tasks``
RETIRED_TASKS: tuple[str, ...] = ("taxonomy", "modular")
TRACKS = {"language": LANGUAGE_TASKS,
          "symbolic": tuple(t for t in SYMBOLIC_TASKS if t not in RETIRED_TASKS),
          "reasoning": REASONING_TASKS}
QUICK_SWEEP = (8, 64, 512)
#: ``--quick`` without ``--tasks``: one task valid on dev per track (docs/benchmark.md), so
#: that every arm, control and sweep of BENCHMARK v3 fits in a few minutes (``sign``: the
#: reasoning track's shortest problems; its teacher, SmolLM2-135M, is the optional install)
QUICK_TASKS = ("supersense", "multistep", "sign")
ANCHOR_SWEEP = (0, 16, 64, 256, 1024)
DEFAULT_ANCHORS = 64


def quick_unavailable() -> dict[str, str]:
    """``--quick``'s tasks whose default teacher is not installed here, each with the install
    hint (the reasoning task's SmolLM2-135M is optional): ``--quick`` runs the others and says
    so, rather than failing after minutes."""
    from m2kt.domains.registry import get_task
    from m2kt.models.builtins import BUILTINS

    out = {}
    for name in QUICK_TASKS:
        spec = BUILTINS.get(get_task(name).teacher)
        if spec is not None and spec.locate() is None:
            out[name] = spec.install_hint
    return out


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
    ``split``: the held-out split every arm is scored on (``dev``, the default, for every
    research choice; ``test`` only for a final report)."""

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
    split: str = "dev"
    #: the bench's runs as Ray tasks on this many workers (one torch thread each;
    #: :mod:`m2kt.bench.spread`); 1: one after another in this process
    workers: int = 1
    #: run the teacher-specificity controls (the research log's variant comparisons skip
    #: them: they read M2KT against KD only)
    controls: bool = True

    def __post_init__(self) -> None:
        if self.split not in EVAL_SPLITS:
            raise UsageError(f"--split must be one of {', '.join(EVAL_SPLITS)}")
        from m2kt.ingest.variants import get_variant

        if get_variant(self.variant).uses_atlas and self.ablations and not self.quick:
            raise UsageError(f"variant {self.variant} reads an atlas: run it with "
                             "--no-ablations (the ablations build packets with anchors)")

    def task_names(self) -> tuple[str, ...]:
        if self.tasks:
            return self.tasks
        if self.quick and self.track == "all" and not self.teacher:
            return tuple(t for t in QUICK_TASKS if t not in quick_unavailable())
        if self.track == "all":
            if self.teacher:  # another teacher applies to the language tasks only
                return TRACKS["language"]
            return (*TRACKS["language"], *TRACKS["symbolic"], *TRACKS["reasoning"])
        if self.track not in TRACKS:
            raise UsageError("--track must be language, symbolic, reasoning or all")
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
        if self.split != "dev":
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


def _arm(results: list, tb: TaskBench, arm: str, inputs: int, ledger: dict[str, int],
         prior: bool = False, **extra: Any) -> dict[str, Any] | None:
    """One arm's entry from its per-seed results (``BaselineResult``) on ``inputs`` pool
    inputs with ``ledger``; records its correctness under ``(arm, crossing_inputs)``.
    ``prior``: the results' ``_prior`` answers (None when they have none: pair tasks)."""
    if prior and any(r.pred_prior is None for r in results):
        return None
    preds = [r.pred_prior if prior else r.pred for r in results]
    tb.correct[(arm, ledger["crossing_inputs"])] = np.stack([p == tb.y_eval for p in preds])
    accs = [float((p == tb.y_eval).mean()) for p in preds]
    out: dict[str, Any] = {**seed_stats(accs),
                           "seconds": float(np.mean([r.seconds for r in results])),
                           "inputs": inputs, "ledger": ledger}
    temps = [r.temperature for r in results if r.temperature is not None]
    if temps:
        out["temperature"] = temps
    choices = [r.choice for r in results if r.choice is not None]
    if choices:
        out["choice"] = choices
    return out | extra


def packet_words(task: Task, var: Variant) -> int:
    """Public words in the packets the bench builds for ``var`` on ``task``: the variant's
    ``relative_words`` on language class tasks, else 0
    (:func:`~m2kt.concepts.words.reads_words`)."""
    return var.relative_words if reads_words(task) else 0


def packet_l2(task: Task, var: Variant) -> float | None:
    """The relative readout's fixed L2 strength in the packets the bench builds for ``var`` on
    ``task``: the variant's ``relative_l2`` where its packets carry words (as
    :func:`packet_words`), else ``None`` (chosen by agreement with the teacher)."""
    return var.relative_l2 if packet_words(task, var) else None


def _m2kt_entry(tb: TaskBench, opts: BenchOptions, runs: list[M2KTRun]) -> dict[str, Any]:
    """The M2KT arm's entry from its per-seed runs (each seed's packet re-draws its anchors);
    records the arm's correctness. ``ledger``: that of the seed whose packet crossed the most
    strings — KD is given that count on every seed, and parity is read against it (the counts
    differ across seeds where traces name sub-problems; ``crossing_by_seed`` lists them)."""
    from m2kt.ingest.variants import get_variant

    tb.correct[("m2kt", 0)] = np.stack([r.pred == tb.y_eval for r in runs])
    most = max(runs, key=lambda r: r.ledger["crossing_inputs"])
    return {**seed_stats([r.acc for r in runs]),
            "seconds": float(np.mean([r.seconds + r.build_seconds for r in runs])),
            "ledger": most.ledger,
            "crossing_by_seed": [r.ledger["crossing_inputs"] for r in runs],
            "packet_bytes": runs[0].packet_bytes,
            "build_seconds": float(np.mean([r.build_seconds for r in runs])),
            "gates_passed": [r.passed for r in runs],
            "alignment": runs[0].alignment,
            "map": [r.method for r in runs],
            "readout": [r.readout for r in runs],
            "variant": opts.variant,
            "anchor_selection": get_variant(opts.variant).anchor_selection}


#: the teacher-specificity controls (:mod:`m2kt.bench.controls`), one run per seed each
CONTROLS = ("permuted", "random_head")


def words_sizes(pool: int, anchors: int) -> list[int]:
    """``kd_words``'s pool inputs besides the public strings: none, 64, 512 and M2KT's anchor
    count below the pool size, then the whole pool."""
    return [*sorted({n for n in (0, 64, 512, anchors) if n < pool}), pool]


def uses_words(task: Task, opts: BenchOptions) -> bool:
    """Whether the bench's packets of ``task`` carry public reference strings (then
    ``kd_words`` runs): every language class task, whose packets carry a relative readout over
    the concept labels and the variant's public words — the teacher's information on each of
    those strings crosses, so KD is given its answers on the same strings (BENCHMARK v3)."""
    return reads_words(task)


def first_runs(opts: BenchOptions, task: Task) -> list[tuple]:
    """A task's first batch of runs (:mod:`m2kt.bench.runs`), which needs nothing measured:
    M2KT per seed, the controls per seed, the KD sweep per size and seed (KD + pool only at the
    full pool with ``--quick``), ``kd_words`` per size and seed where the packets carry public
    reference strings (KD + pool with ``--quick`` only without pool inputs and at the full
    pool), the ablations on the first seed."""
    seeds = opts.seed_list()
    pool_size = len(task.splits["transfer_pool"])
    sizes = sweep_sizes(pool_size, opts.quick)
    sweep = [("kd", n, s, not (opts.quick and n < pool_size)) for n in sizes for s in seeds]
    words = ([("kd_words", n, s, not opts.quick or n in (0, pool_size))
              for n in words_sizes(pool_size, opts.anchors) for s in seeds]
             if uses_words(task, opts) else [])
    want_ablations = not opts.quick and opts.ablations
    controls = [("control", c, s) for c in CONTROLS for s in seeds] if opts.controls else []
    return [*(("m2kt", s) for s in seeds), *controls,
            *sweep, *words, *((("ablations", seeds[0]),) if want_ablations else ())]


def task_bench(name: str, opts: BenchOptions, progress: Progress = no_progress) -> TaskBench:
    """The shared material of task ``name`` for ``opts`` (reusable across variants)."""
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import get_variant

    task = get_task(name)
    var = get_variant(opts.variant)
    if var.uses_atlas and not uses_words(task, opts):  # before any model loads
        raise UsageError(f"variant {var.name} reads an atlas of public words: the bench runs it "
                         f"on language class tasks only, where KD is given the teacher's answers "
                         f"on the same words ({task.name} is not one)")
    words = packet_words(task, var) if uses_words(task, opts) else 0
    tb = TaskBench(task, opts.split, opts.device, progress, quick=opts.quick,
                   teacher=opts.teacher, words=words)
    if var.uses_atlas:
        # the packets lean on the teacher's atlas: kd_words is given the teacher's answers on
        # the same strings (built here first, so that every worker reads the same file)
        from m2kt.bench.m2kt_run import bench_atlas
        from m2kt.domains.base import Example

        atlas = bench_atlas(tb.teacher.name, var.atlas_strings, progress)
        tb.words = [Example(text=w, label=0, key=f"atlas:{w}") for w in atlas.strings]
    return tb


def _sweep(tb: TaskBench, arm: str, sizes: list[int], results: list[list], seeds: list[int],
           words: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The sweep points of ``arm`` (``kd`` or ``kd_words``) and its ``_ssl`` and ``_prior``
    variants from per-size, per-seed ``(kd, kd_ssl)`` results; keyed by method name."""
    out: dict[str, list[dict[str, Any]]] = {f"{arm}{v}_sweep": [] for v in
                                            ("", "_ssl", "_prior", "_ssl_prior")}
    for n, pairs in zip(sizes, results, strict=True):
        for i, variant in enumerate(("", "_ssl")):
            res = [p[i] for p in pairs]
            if res[0] is None:
                continue
            for prior in (False, True):
                name = f"{arm}{variant}{'_prior' if prior else ''}"
                led = tb.ledger(n, pool=bool(variant), words=words, prior=prior, seed=seeds[0])
                e = _arm(res, tb, name, n, led, prior=prior)
                if e is not None:
                    out[f"{name}_sweep"].append(_point(e))
    return out


def bench_task(name: str, opts: BenchOptions, workdir: Path,
               progress: Progress = no_progress, tb: TaskBench | None = None,
               runner: Callable[[list], list] | None = None) -> dict[str, Any]:
    """Every arm of BENCHMARK v3 on one task; returns the task's JSON entry. ``tb``: shared
    material from :func:`task_bench` (KD measurements are then computed once for every
    variant benched with it). The work is two batches of independent runs
    (:mod:`m2kt.bench.runs`) — M2KT and the controls per seed, the KD and kd_words sweeps and
    the ablations; then KD and labels at M2KT's crossing count and KD on its anchors —
    executed by ``runner`` (default: here, one after another; ``bench --workers``: Ray tasks,
    :mod:`m2kt.bench.spread`)."""
    seeds = opts.seed_list()
    k = len(seeds)
    tb = tb or task_bench(name, opts, progress)
    tb.correct = {}
    run = runner or LocalRunner(tb, opts, workdir, progress)
    pool = len(tb.pool)
    sizes = sweep_sizes(pool, opts.quick)
    wsizes = words_sizes(pool, opts.anchors) if tb.words else []
    want_ablations = not opts.quick and opts.ablations
    it = iter(run(first_runs(opts, tb.task)))
    m2kt_runs = [next(it) for _ in seeds]
    control_runs = {c: [next(it) for _ in seeds] for c in CONTROLS} if opts.controls else {}
    sweep = [[next(it) for _ in seeds] for _ in sizes]
    wsweep = [[next(it) for _ in seeds] for _ in wsizes]
    abl = next(it) if want_ablations else {}
    m2kt = _m2kt_entry(tb, opts, m2kt_runs)
    budget = min(m2kt["ledger"]["crossing_inputs"], pool)
    n_anchor = len(m2kt_runs[0].anchors)
    second = run([*(("kd", budget, s, True) for s in seeds if budget),
                  *(("labels", budget, s) for s in seeds if budget),
                  *(("kd_anchor", s, r.anchors) for s, r in zip(seeds, m2kt_runs,
                                                                 strict=True) if n_anchor)])
    methods: dict[str, Any] = {"m2kt": m2kt, "prior": tb.prior(k)}
    # with no input, KD (and labels) leave the student where it starts
    start = {**seed_stats([tb.start()] * k), "seconds": 0.0, "inputs": 0,
             "ledger": tb.ledger(0), "note": "no inputs: the student's starting point"}
    methods.update(kd=start, kd_ssl=start, labels_budget=start, kd_anchor=start)
    if budget:
        pairs, labels = second[:k], second[k:2 * k]
        for i, arm in enumerate(("kd", "kd_ssl")):
            for prior in (False, True):
                e = _arm([p[i] for p in pairs], tb, arm + ("_prior" if prior else ""), budget,
                         tb.ledger(budget, pool=bool(i), prior=prior, seed=seeds[0]),
                         prior=prior)
                if e is not None:
                    methods[arm + ("_prior" if prior else "")] = e
        methods["labels_budget"] = _arm(labels, tb, "labels", budget,
                                        tb.ledger(budget, seed=seeds[0]))
        second = second[2 * k:]
    if n_anchor:
        sent = set(m2kt_runs[0].anchors)
        exs = [e for e in tb.pool if (e.key, e.text) in sent]
        for prior in (False, True):
            e = _arm(second, tb, "kd_anchor" + ("_prior" if prior else ""), n_anchor,
                     tb.ledger(n_anchor, prior=prior, exs=exs or tb.subset(n_anchor, 0)),
                     prior=prior, selection=m2kt["anchor_selection"])
            if e is not None:
                methods["kd_anchor" + ("_prior" if prior else "")] = e
    methods.update(_sweep(tb, "kd", sizes, sweep, seeds))
    if tb.words:
        methods.update(_sweep(tb, "kd_words", wsizes, wsweep, seeds, words=True))
        for key in ("kd_words", "kd_words_ssl", "kd_words_prior", "kd_words_ssl_prior"):
            if methods[f"{key}_sweep"] and methods[f"{key}_sweep"][0]["inputs"] == 0:
                methods[key] = methods[f"{key}_sweep"][0]  # the public strings alone
    full = [(arm[:-len("_sweep")], pts[-1]) for arm, pts in methods.items()
            if arm.endswith("_sweep") and pts and pts[-1]["inputs"] == pool]
    best = max(full, key=lambda a: a[1]["acc"])
    methods["kd_full"] = {**best[1], "arm": best[0]}
    entry: dict[str, Any] = {
        "track": tb.task.track, "split": opts.split,
        "teacher": {"name": tb.teacher.name, "acc": tb.teacher_acc()},
        "student_before": {"name": tb.task.student, "acc": tb.start(),
                           "method": tb.start_method(), "chance": 1.0 / len(tb.task.labels)},
        "split_sizes": tb.task.split_sizes(), "methods": methods,
        "graph": m2kt_runs[0].graph,  # the first seed's packet (extraction draws no anchors)
        "public_strings": public_overlap(m2kt_runs[0].public, tb.eval, opts.split),
        "trace_strings": trace_overlap(m2kt_runs, tb.eval, opts.split),
    }
    entry.update(derived(entry))
    entry["data_reduction_at_parity_ci"] = parity_ci(entry, tb.correct)
    entry["controls"] = controls_entry(entry, control_runs, tb) if control_runs else None
    entry["ablations"] = abl
    return entry


def public_overlap(public: tuple[str, ...], eval_split: list, split: str) -> dict[str, Any]:
    """How many of a packet's public reference strings are, exactly, inputs of the evaluated
    split (reported, never filtered: the strings are chosen without reading it)."""
    from m2kt.concepts.words import overlap

    return {"count": len(set(public)), "split": split,
            "equal_to_an_input": overlap(sorted(set(public)), [e.text for e in eval_split])}


def trace_overlap(runs: list, eval_split: list, split: str) -> dict[str, Any]:
    """Per seed, how many distinct strings the packet's traces answer for (queries and the
    sub-problems their steps name) and how many of them are, exactly, inputs of the evaluated
    split — a sub-problem can be a problem in its own right, so the teacher's answer on a few
    held-out inputs can reach the student this way (reported, never filtered: the teacher side
    does not read the split)."""
    from m2kt.concepts.words import overlap

    texts = [e.text for e in eval_split]
    return {"split": split, "count": [len(set(r.traces)) for r in runs],
            "equal_to_an_input": [overlap(sorted(set(r.traces)), texts) for r in runs]}


def controls_entry(entry: dict[str, Any], runs: dict[str, list], tb: TaskBench
                   ) -> dict[str, Any]:
    """The teacher-specificity controls beside M2KT: each control's per-seed accuracy,
    whether its students passed their gates, and whether it is above the ``prior`` arm (a
    one-sided binomial test, as :func:`m2kt.bench.figures.beats_prior`); both should not be."""
    from m2kt.verify.stats import above_start

    prior = entry["methods"]["prior"]["acc"]
    out: dict[str, Any] = {"prior": prior, "m2kt": entry["methods"]["m2kt"]["acc"]}
    for kind, rs in runs.items():
        st = seed_stats([r.acc for r in rs])
        test = above_start(st["acc"], len(tb.y_eval), prior)
        out[kind] = {**st, "gates_passed": [r.passed for r in rs],
                     "above_prior": None if test is None else test.beats,
                     "p_above_prior": None if test is None else test.p}
    return out


def _point(arm: dict[str, Any]) -> dict[str, Any]:
    keep = ("inputs", "ledger", "acc", "acc_std", "acc_ci", "accs", "seconds", "temperature",
            "choice")
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
                               progress=messages_only(progress, f"{tb.task.name}: "),
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
                relative_words=words, relative_l2=packet_l2(tb.task, var))
            r = ingest_approved(b, seed, variant=opts.variant, eval_split=opts.split,
                                progress=messages_only(progress, f"{tb.task.name}: "))
            out["anchors"][str(k)] = {"acc": r.accuracy,
                                      "crossing_inputs": r.ledger.crossing_inputs,
                                      "ledger": r.ledger.as_dict()}
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
    from m2kt.bench.discipline import commit

    code = commit()  # the code that runs: read when the run starts
    names = opts.task_names()
    tasks: dict[str, Any] = {}
    before = None
    if opts.split == "test":
        from m2kt.bench.discipline import test_report_counts

        before = test_report_counts()

    def finished(name: str, e: dict) -> None:
        """Record the task's test discipline, then tell the caller."""
        e["test_reports_before"] = None if before is None else before.get(name, 0)
        if on_task:
            on_task(name, e)

    if opts.workers > 1:
        from m2kt.bench.spread import RaySpread

        # each task's material first, here with every core: it fills the workspace's caches
        # (a teacher trained, each split encoded) that the workers then read, instead of the
        # driver and every worker encoding the same splits at once on one thread each
        material = {name: task_bench(name, opts, progress) for name in names}
        spread = RaySpread(opts, progress)
        lock = threading.Lock()

        def entry(name: str, runner: Callable[[list], list]) -> dict[str, Any]:
            t1 = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix=f"m2kt-bench-{name}-") as tmp:
                e = bench_task(name, opts, Path(tmp), no_progress, tb=material[name],
                               runner=runner)
            e["seconds"] = round(time.perf_counter() - t1, 1)
            with lock:
                finished(name, e)
            return e

        try:
            tasks = spread.bench(names, entry)
        finally:
            spread.close()
    else:
        with tempfile.TemporaryDirectory(prefix="m2kt-bench-") as tmp:
            for name in names:
                t1 = time.perf_counter()
                tasks[name] = bench_task(name, opts, Path(tmp), progress)
                tasks[name]["seconds"] = round(time.perf_counter() - t1, 1)
                finished(name, tasks[name])
    return {"meta": run_meta(opts, started, time.perf_counter() - t0, code), "tasks": tasks}


def auto_workers() -> int:
    """The default number of Ray workers: one per core, at most 2 (each worker holds the
    models of the tasks it runs in memory; more workers than cores only slow each other)."""
    import os

    return max(1, min(2, os.cpu_count() or 1))


def run_meta(opts: BenchOptions, started: str, seconds: float,
             commit: str | None = None) -> dict[str, Any]:
    """The ``meta`` block of a bench result; ``commit``: the checkout's commit when the run
    started (:func:`m2kt.bench.discipline.commit`)."""
    return {"protocol": "m2kt-bench/3", "quick": opts.quick, "seeds": opts.seed_list(),
            "split": opts.split, "device": opts.device, "variant": opts.variant,
            "anchors": opts.anchors, "teacher": opts.teacher,
            "ablations": opts.ablations and not opts.quick, "versions": versions(),
            "started": started, "seconds": round(seconds, 1), "command": opts.command(),
            "commit": commit}
