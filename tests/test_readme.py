"""The README's two set-up commands exist, and CI runs the README's test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup, flags=re.S)


def test_exactly_two_setup_commands() -> None:
    cmds = _commands()
    assert len(cmds) == 2
    assert "streamlit run app/streamlit_app.py" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command() -> None:
    assert _commands()[1] in (ROOT / ".ci" / "run").read_text()


def test_procfile_serves_on_port() -> None:
    assert "$PORT" in (ROOT / "Procfile").read_text()


def test_readme_results_table_is_generated_from_the_committed_report(monkeypatch) -> None:
    from m2kt.bench.report import COMMITTED_REPORTS, readme_block
    from m2kt.bench.research import splice_between

    monkeypatch.chdir(ROOT)
    reports = [Path(p) for p in COMMITTED_REPORTS.values()]
    assert all((ROOT / r).is_file() for r in reports), "commit every report COMMITTED_REPORTS names"
    text = (ROOT / "README.md").read_text()
    expected = splice_between(text, readme_block(*reports), "bench-table")
    assert text == expected, "regenerate: python -m m2kt bench-table " \
        f"{' '.join(r.as_posix() for r in reports)} --readme README.md"
