"""The CLI guide's blocks (``docs/cli.md``, linked from the README), run exactly as written
(``python`` = this venv's python) in a fresh directory and workspace: keygen → build → verify →
inspect → approve → ingest → predict, on a class task, on a pair task with a concept id that
exists, and on the example user domain."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, WALL_LIMIT_S

SECTIONS = ("## Knowledge packets", "## Approval, ingestion, verification", "## Your own domain")


def readme_cli_lines() -> list[str]:
    """Every command line of the bash blocks in the CLI guide's packet, approval and domain
    sections."""
    text = (ROOT / "docs" / "cli.md").read_text()
    lines: list[str] = []
    for head in SECTIONS:
        part = text[text.index(head):]
        part = part[:part.index("\n## ", 3)]
        for block in re.findall(r"```bash\n(.*?)```", part, re.S):
            lines += [ln for ln in block.splitlines() if ln.strip()]
    return lines


#: a line may name another workspace first (the student side of "Your own domain")
ENV_PREFIX = re.compile(r"^M2KT_HOME=[\w./-]+ ")


def test_readme_cli_blocks_have_no_placeholders() -> None:
    lines = readme_cli_lines()
    assert len(lines) >= 10
    for ln in lines:
        assert ENV_PREFIX.sub("", ln).startswith("python -m m2kt "), ln
        assert "[" not in ln.split("#")[0] and "…" not in ln, f"not runnable as typed: {ln}"


@pytest.mark.slow  # minutes (three flows, a language domain): CI runs it (.ci/run)
def test_readme_cli_runs_as_typed(tmp_path: Path) -> None:
    env = {**os.environ, "M2KT_HOME": str(tmp_path / "ws"), "PYTHONPATH": str(ROOT)}
    (tmp_path / "assets").symlink_to(ROOT / "assets")  # the README runs from a checkout
    for ln in readme_cli_lines():
        cmd = ln.replace("python -m m2kt", f"{sys.executable} -m m2kt", 1)
        res = subprocess.run(cmd, shell=True, executable="/bin/bash", cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=WALL_LIMIT_S)
        verb = ENV_PREFIX.sub("", ln).split()[3]
        # ingest exits 1 when a post-ingestion gate fails: reported, the student still written
        allowed = (0, 1) if verb == "ingest" else (0,)
        assert res.returncode in allowed, f"{ln}\n{res.stderr[-2000:]}"
        errors = [e for e in res.stderr.splitlines() if e.startswith("ERROR")]
        assert all(e.startswith("ERROR GateFailure: post-ingestion") for e in errors), \
            f"{ln}\n{res.stderr[-2000:]}"
        if verb == "predict":
            assert res.stdout.strip().split("\t")[-1], res.stdout
    # "Your own domain": the student side's workspace never saw the domain, yet its student
    # answers with the packet's concept labels and is scored against its start
    student = tmp_path / "work" / "student-ws"
    assert student.is_dir() and not (student / "domains").exists()
    report = json.loads((student / "students" / "topics-1" / "ingestion_report.json").read_text())
    assert report["task"] == "topics" and report["eval_split"] == "eval"
    assert report["accuracy"] > report["student_before"]
