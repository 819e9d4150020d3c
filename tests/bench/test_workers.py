"""Worker processes of ``bench --workers N``: one share of the cores each, longest task first."""

from __future__ import annotations

import os

import pytest

from m2kt.bench.run import LONGEST_FIRST, THREAD_VARS, _threads_per_worker
from m2kt.domains.names import LANGUAGE_TASKS, SYMBOLIC_TASKS


def test_spawned_workers_see_one_share_of_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    for v in THREAD_VARS:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with _threads_per_worker(2):
        assert {os.environ[v] for v in THREAD_VARS} == {"1"}
    assert not any(v in os.environ for v in THREAD_VARS)  # the parent's own setting is back


def test_a_user_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    for v in THREAD_VARS:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with _threads_per_worker(2):
        assert os.environ["OMP_NUM_THREADS"] == "3"
        assert "OPENBLAS_NUM_THREADS" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "3"


def test_every_builtin_task_has_a_place_in_the_order() -> None:
    assert set(LONGEST_FIRST) == set(LANGUAGE_TASKS) | set(SYMBOLIC_TASKS)


def test_a_worker_leaves_when_its_bench_is_killed(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    child = ("from m2kt.bench.run import _exit_with_parent; _exit_with_parent(0.1); "
             "print('ready', flush=True); import time; time.sleep(60)")
    parent = (f"import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', {child!r}]); "
              "print(p.pid, flush=True); import time; time.sleep(60)")
    root = Path(__file__).resolve().parents[2]
    bench = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True,
                             cwd=root)
    pid = int(bench.stdout.readline())
    assert bench.stdout.readline().strip() == "ready"  # the child watches its parent now
    bench.send_signal(signal.SIGKILL)
    bench.wait()
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(100):  # gone, or a zombie waiting for init to reap it
        if not stat.exists() or stat.read_text().split(")")[-1].split()[0] == "Z":
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("the orphaned worker kept running")
