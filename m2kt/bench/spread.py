"""``bench --workers N``: the benchmark's independent runs as Ray tasks (issue 18).

Every task's runs (:mod:`m2kt.bench.runs`: M2KT per seed, each KD / KD + pool / labels point
per seed, KD on the anchors per seed, the ablations) are Ray tasks with one CPU and one torch
thread each, on a local Ray started for the bench (N CPUs) or on the cluster at
``RAY_ADDRESS``. The tasks of the benchmark run at once (one driver thread each); each thread
submits its task's runs in two batches (the second needs M2KT's budget and anchors) and
assembles the entry exactly as a serial run does, so the report is the same for the same
seeds. A Ray worker keeps the material of each task it met (:class:`~m2kt.bench.arms.TaskBench`)
between runs. Progress: one line per finished run, ``runs done / total``.
"""

from __future__ import annotations

import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from m2kt.bench.runs import LocalRunner, Run, describe
from m2kt.models.spec import Progress

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


def runs_per_task(opts, pool_size: int, seeds: int) -> int:
    """How many runs a task makes (for ``runs done / total``): M2KT, KD and labels at its
    budget, KD on its anchors (per seed; a zero-crossing variant has no budget and no
    anchors), the sweep (per size and seed), the ablations."""
    from m2kt.bench.run import sweep_sizes
    from m2kt.ingest.variants import get_variant

    per_seed = 1 if get_variant(opts.variant).zero_crossing else 4
    abl = 0 if opts.quick or not opts.ablations else 1
    return seeds * (per_seed + len(sweep_sizes(pool_size, opts.quick))) + abl


class RaySpread:
    """Runs the bench's tasks at once, their runs as Ray tasks; see module doc."""

    def __init__(self, opts, progress: Progress):
        from m2kt.bench.m2kt_run import bench_key
        from m2kt.packet.engine import start_ray

        self.opts, self.progress = opts, progress
        bench_key()  # created once here, not by several workers at once
        self.started = start_ray(opts.workers)
        self.done = 0
        self.total = 0
        self.lock = threading.Lock()

    def close(self) -> None:
        import ray

        if self.started:
            ray.shutdown()

    def runner(self, name: str):
        """The ``runner`` of :func:`m2kt.bench.run.bench_task` for task ``name``."""
        import ray

        from m2kt.packet.engine import RETRIES, ray_get

        job = ray.remote(num_cpus=1, max_retries=RETRIES)(_run_in_worker)

        def run(runs: list[Run]) -> list[Any]:
            refs = [job.remote(name, self.opts, r) for r in runs]
            out = []
            for r, ref in zip(runs, refs, strict=True):
                out.append(ray_get(ref))
                with self.lock:
                    self.done += 1
                    self.progress(f"runs {self.done} / {self.total}: {name}, {describe(r)}",
                                  self.done / max(self.total, 1))
            return out

        return run

    def bench(self, names: tuple[str, ...], task_entry) -> dict[str, dict]:
        """``task_entry(name, runner)`` for every task at once (one driver thread each)."""
        from m2kt.domains.registry import get_task

        for name in names:
            self.total += runs_per_task(self.opts, len(get_task(name).splits["transfer_pool"]),
                                        len(self.opts.seed_list()))
        with ThreadPoolExecutor(len(names)) as pool:
            futures = {name: pool.submit(task_entry, name, self.runner(name))
                       for name in names}
            return {name: futures[name].result() for name in names}
