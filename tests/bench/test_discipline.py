"""Test discipline: a report records the commit it starts on and, per task, how many test
reports of that task the repository's history already holds."""

from __future__ import annotations

import re

import pytest


def test_counts_come_from_the_history_of_committed_reports() -> None:
    from m2kt.bench.discipline import _git, commit, test_report_counts

    if _git("rev-parse", "HEAD") is None:
        pytest.skip("not a git checkout")
    assert re.fullmatch(r"[0-9a-f]{40}(\+changes)?", commit())
    counts = test_report_counts()
    # the language report of the default pair is committed (a shallow clone still holds it)
    assert counts["supersense"] >= 1 and counts["gloss"] >= 1
    assert counts["no-such-task"] == 0
