"""Test discipline (BENCHMARK v3): a report records the commit it was made at and, per task,
how many test reports of that task the repository's history already holds.

A *test report* is any bench result committed under ``docs/results/`` (every version of every
JSON file there, across the history) whose ``meta.split`` is ``test``: each one read the test
split once more. The count comes from ``git`` alone; outside a git checkout it is unknown
(``None``).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = "docs/results"


def _git(*args: str) -> str | None:
    try:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                           timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout if r.returncode == 0 else None


def commit() -> str | None:
    """The checkout's commit, with ``+changes`` when tracked files differ from it."""
    head = _git("rev-parse", "HEAD")
    if head is None:
        return None
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return head.strip() + ("+changes" if dirty else "")


def test_report_counts() -> Counter[str] | None:
    """Per task, how many committed versions of bench results under ``docs/results/`` were
    scored on ``test`` (see module doc); None outside a git checkout."""
    log = _git("log", "--format=@%H", "--name-only", "--diff-filter=AM", "--", RESULTS)
    if log is None:
        return None
    counts: Counter[str] = Counter()
    sha = None
    for line in log.splitlines():
        if line.startswith("@"):
            sha = line[1:]
        elif line.endswith(".json") and sha:
            text = _git("show", f"{sha}:{line}")
            try:
                doc = json.loads(text) if text else None
            except json.JSONDecodeError:
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict):
                continue
            if doc["meta"].get("split", "test") != "test" or not isinstance(
                    doc.get("tasks"), dict):
                continue
            counts.update(doc["tasks"].keys())
    return counts
