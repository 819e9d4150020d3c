"""``bench --workers N``: the benchmark's independent runs as Ray tasks (issue 18).

Every task's runs (:mod:`m2kt.bench.runs`: M2KT per seed, each KD / KD + pool / labels point
per seed, KD on the anchors per seed, the ablations) are Ray tasks with one CPU and one torch
thread each, on a local Ray started for the bench (N CPUs) or on the cluster at
``RAY_ADDRESS``. The tasks of the benchmark run at once (one driver thread each); each thread
submits its task's runs in two batches (the second needs M2KT's budget and anchors) and
assembles the entry exactly as a serial run does, so the report is the same for the same
seeds. Before any run is queued, the driver builds each task's material
(:class:`~m2kt.bench.arms.TaskBench`) with every core — on a cold workspace that trains the
teacher and encodes every split into the workspace's caches — so that the workers read those
caches instead of encoding the same splits at once, one thread each; a Ray worker keeps the
material of each task it met between runs. Progress: one line per finished run,
``runs done / total``.
"""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from m2kt.bench.runs import LocalRunner, Run, describe
from m2kt.domains.base import TEXT_TRACKS
from m2kt.models.spec import Progress

#: seconds without a progress line after which the bench says it is still at work
HEARTBEAT_S = 10.0
#: (task name, split, device, quick, teacher, variant, anchors) → this worker's runner
_RUNNERS: dict[tuple, LocalRunner] = {}


def _key(name: str, opts) -> tuple:
    return (name, opts.split, opts.device, opts.quick, opts.teacher, opts.variant,
            opts.anchors)


def _run_in_worker(name: str, opts, run: Run) -> Any:
    """One run in a Ray worker (one torch thread), on the worker's material for the task."""
    import torch

    torch.set_num_threads(1)
    key = _key(name, opts)
    if key not in _RUNNERS:
        from m2kt.bench.run import task_bench

        torch.manual_seed(0)
        workdir = Path(tempfile.mkdtemp(prefix=f"m2kt-bench-{name}-"))
        _RUNNERS[key] = LocalRunner(task_bench(name, opts), opts, workdir)
    return _RUNNERS[key].one(run)


def runs_per_task(opts, task) -> int:
    """How many runs a task makes (for ``runs done / total``): its first batch
    (:func:`m2kt.bench.run.first_runs`), then KD and labels at M2KT's crossing count and KD
    on its anchors per seed (none without anchors)."""
    from m2kt.bench.run import first_runs

    return len(first_runs(opts, task)) + (2 + (opts.anchors > 0)) * len(opts.seed_list())


def priority(track: str, words: int, run: Run) -> tuple:
    """Longest first (the order the first batches are queued in, across tasks): M2KT runs —
    first those whose packets carry public words (``words``: their relative readout is the
    longest fit), then the language track's — then the ablations, then the KD sweep from the
    largest size down. The second batches wait on M2KT anyway."""
    kind = run[0]
    if kind == "m2kt":
        return (0, words == 0, track not in TEXT_TRACKS, run[1])
    if kind == "control":
        return (1, run[1] != "random_head", 0, run[2])
    if kind == "ablations":
        return (1, 2, 0, 0)
    return (2, -run[1], run[2], 0)


class RaySpread:
    """Runs the bench's tasks at once, their runs as Ray tasks; see module doc."""

    def __init__(self, opts, progress: Progress):
        import torch

        from m2kt.bench.m2kt_run import bench_key
        from m2kt.packet.engine import start_ray

        # the driver only assembles results: its threads must not compete with the workers
        torch.set_num_threads(1)
        self.opts, self.progress = opts, progress
        bench_key()  # created once here, not by several workers at once
        self.started = start_ray(opts.workers)
        self.done = 0
        self.total = 0
        self.lock = threading.Lock()
        self.last = time.monotonic()
        self._stop = threading.Event()
        threading.Thread(target=self._heartbeat, name="m2kt-bench-heartbeat",
                         daemon=True).start()
        #: (task name, run) → the Ray reference of a run queued ahead of its task's thread
        self.queued: dict[tuple[str, Run], Any] = {}

    def close(self) -> None:
        import ray

        self._stop.set()
        if self.started:
            ray.shutdown()

    def _heartbeat(self, every: float = HEARTBEAT_S) -> None:
        """A line whenever ``every`` seconds passed without one: a run on a worker reports
        only when it ends (an ablation takes minutes), so the bench says it is still at work
        and since when."""
        while not self._stop.wait(every / 2):
            with self.lock:
                quiet = time.monotonic() - self.last
                if quiet >= every:
                    self.progress(f"runs {self.done} / {self.total} done; the workers are on "
                                  f"the next ({quiet:.0f} s since the last finished)",
                                  self.done / max(self.total, 1))

    def runner(self, name: str):
        """The ``runner`` of :func:`m2kt.bench.run.bench_task` for task ``name``."""
        import ray

        from m2kt.packet.engine import RETRIES, ray_get

        job = ray.remote(num_cpus=1, max_retries=RETRIES)(_run_in_worker)

        def run(runs: list[Run]) -> list[Any]:
            with self.lock:
                queued = [self.queued.pop((name, r), None) for r in runs]
            refs = [ref if ref is not None else job.remote(name, self.opts, r)
                    for r, ref in zip(runs, queued, strict=True)]
            out = []
            for r, ref in zip(runs, refs, strict=True):
                out.append(ray_get(ref))
                with self.lock:
                    self.done += 1
                    self.last = time.monotonic()
                    self.progress(f"runs {self.done} / {self.total}: {name}, {describe(r)}",
                                  self.done / max(self.total, 1))
            return out

        return run

    def queue_first_batches(self, names: tuple[str, ...]) -> None:
        """Every task's first batch queued at once, longest first (:func:`priority`), so
        that the longest runs start first whichever driver thread asks for them; counts the
        runs for the progress line."""
        import ray

        from m2kt.bench.run import first_runs, packet_words
        from m2kt.domains.registry import get_task
        from m2kt.ingest.variants import get_variant
        from m2kt.packet.engine import RETRIES

        job = ray.remote(num_cpus=1, max_retries=RETRIES)(_run_in_worker)
        plan = []
        for name in names:
            task = get_task(name)
            self.total += runs_per_task(self.opts, task)
            words = packet_words(task, get_variant(self.opts.variant))
            plan += [(priority(task.track, words, r), name, r)
                     for r in first_runs(self.opts, task)]
        for _, name, r in sorted(plan, key=lambda p: p[0]):
            self.queued[(name, r)] = job.remote(name, self.opts, r)

    def bench(self, names: tuple[str, ...], task_entry) -> dict[str, dict]:
        """``task_entry(name, runner)`` for every task at once (one driver thread each)."""
        self.queue_first_batches(names)
        with ThreadPoolExecutor(len(names)) as pool:
            futures = {name: pool.submit(task_entry, name, self.runner(name))
                       for name in names}
            return {name: futures[name].result() for name in names}
