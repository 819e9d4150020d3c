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
