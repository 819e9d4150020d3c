"""Real packets shared by the ingestion tests (built once per test session)."""

from __future__ import annotations

import pytest


def _built(name: str, tmp):
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    task = get_task(name)
    return build_and_approve(task, load_teacher(task), 64, tmp)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory):
    """multistep (a class task), 64 anchors."""
    return _built("multistep", tmp_path_factory.mktemp("pk"))


@pytest.fixture(scope="session")
def pair_built(tmp_path_factory: pytest.TempPathFactory):
    """taxonomy (a pair task), 64 anchors."""
    return _built("taxonomy", tmp_path_factory.mktemp("pk"))
