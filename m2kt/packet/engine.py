"""Where a streamed packet build's shards run: in this process, or as Ray tasks (issue 18).

``stream_statistics`` cuts the teacher's inputs into shards and reduces each to
:class:`~m2kt.packet.stream.ShardStats`; the shards' results are merged in stream order, so the
result does not depend on the engine beyond float rounding. Without ``workers`` everything runs
here (no Ray start-up). With ``workers`` = N the shards are Ray tasks (one torch thread each; a
task whose worker dies is retried by Ray, up to ``RETRIES`` times): on a local Ray started for
this build with N CPUs, or — when ``RAY_ADDRESS`` is set — on that existing cluster, whose
nodes need this code and the same workspace (``M2KT_HOME``). Ray's object transport between
these processes is trusted; packets and inputs files are still checked like any input.
At most ``2 × workers`` shards are in flight, so the driver's memory stays bounded.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m2kt.errors import ClusterError, UsageError
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.stream import DEFAULT_SHARD, ShardStats, merge, shard_statistics, shard_texts

#: how often Ray re-runs a shard whose worker process died
RETRIES = 3
#: seconds to wait for an existing cluster's address to answer
CONNECT_TIMEOUT = 10.0
_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StreamOptions:
    """A streamed build: ``texts`` the teacher's inputs (``None``: its ``teacher_train``),
    ``workers`` Ray workers (``None``: in-process), ``shard_size`` inputs per shard,
    ``teacher`` the teacher's name or path as given (``None``: the task's own), which Ray
    workers load."""

    texts: Iterable[str] | None = None
    workers: int | None = None
    shard_size: int = DEFAULT_SHARD
    teacher: str | None = None


def engine_name(workers: int | None) -> str:
    return "in-process" if not workers else "ray"


def stream_statistics(task, teacher, layer: int, sample: int, seed: int, opts: StreamOptions,
                      progress: Progress = no_progress) -> ShardStats:
    """Statistics of every input of ``opts.texts`` (module doc); ``teacher`` is the loaded
    teacher (used in-process; Ray workers load their own by ``task.name`` and its name)."""
    texts = (opts.texts if opts.texts is not None
             else (e.text for e in task.splits["teacher_train"]))
    shards = shard_texts(texts, opts.shard_size)
    acc: ShardStats | None = None
    if not opts.workers:
        results: Iterator[ShardStats] = (shard_statistics(teacher, t, s, layer, sample, seed)
                                         for s, t in shards)
    else:
        results = _ray_results((task.name, task.seed, opts.teacher), layer, sample, seed,
                               shards, opts.workers)
    for st in results:
        acc = merge(acc, st, sample)
        progress(f"{acc.n:,} inputs read ({acc.shards} shards, {engine_name(opts.workers)})",
                 None)
    if acc is None:
        raise UsageError("the teacher's inputs hold no text")
    return acc


# --- Ray -----------------------------------------------------------------------------------
#: (task name, task seed, teacher name or None) → the teacher loaded in this worker process
_TEACHERS: dict[tuple[str, int, str | None], Any] = {}


def _shard_job(key: tuple[str, int, str | None], layer: int, texts: list[str], start: int,
               sample: int, seed: int) -> ShardStats:
    """One shard in a Ray worker; the worker keeps its teacher loaded between shards."""
    import torch

    torch.set_num_threads(1)
    if key not in _TEACHERS:
        from m2kt.concepts.teacher import load_teacher
        from m2kt.domains.registry import get_task

        _TEACHERS[key] = load_teacher(get_task(key[0], seed=key[1]), key[2])
    return shard_statistics(_TEACHERS[key], texts, start, layer, sample, seed)


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """A ClusterError (one line) unless ``host:port`` of ``address`` accepts a connection."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"RAY_ADDRESS {address!r} is not host:port")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at RAY_ADDRESS={address} "
                         f"({exc.strerror or exc}); start it with `ray start --head` or "
                         "unset RAY_ADDRESS to run a local Ray") from None


def start_ray(workers: int) -> bool:
    """Join ``RAY_ADDRESS`` or start a local Ray with ``workers`` CPUs; returns whether this
    call started (and so should stop) it."""
    import ray

    if ray.is_initialized():
        return False
    env = {"M2KT_HOME": os.environ.get("M2KT_HOME", ""), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (str(_ROOT),
                                                      os.environ.get("PYTHONPATH")) if p)}
    env = {k: v for k, v in env.items() if v}
    address = os.environ.get("RAY_ADDRESS")
    if address:
        check_reachable(address)
        ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=False,
                 logging_level="ERROR")
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                 logging_level="ERROR", object_store_memory=256 * 1024**2,
                 runtime_env={"env_vars": env},
                 # Ray runs its workers at nice 15 by default: on a shared machine they then
                 # wait behind every other process; these workers are the job itself
                 _system_config={"worker_niceness": 0})
    return True


def _ray_results(key: tuple[str, int, str | None], layer: int, sample: int, seed: int,
                 shards: Iterator[tuple[int, list[str]]], workers: int) -> Iterator[ShardStats]:
    """The shards' statistics from Ray tasks, in stream order, ≤ 2 × workers in flight."""
    import ray

    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    started = start_ray(workers)
    try:
        job = ray.remote(num_cpus=1, max_retries=RETRIES)(_shard_job)
        pending: deque = deque()
        for start, texts in shards:
            pending.append(job.remote(key, layer, texts, start, sample, seed))
            if len(pending) >= 2 * workers:
                yield ray_get(pending.popleft())
        while pending:
            yield ray_get(pending.popleft())
    finally:
        if started:
            ray.shutdown()


def ray_get(ref) -> Any:
    """``ray.get(ref)``; a task that failed after its retries is one ClusterError line."""
    import ray

    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:
        lines = [x.strip() for x in str(exc).strip().splitlines() if x.strip()]
        # the first line names the task, the last the exception that ended it
        what = " … ".join(dict.fromkeys([lines[0], lines[-1]])) if lines else \
            type(exc).__name__
        raise ClusterError(f"a Ray task failed after {RETRIES} retries: {what}") from None
