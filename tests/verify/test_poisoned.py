"""A poisoned packet (protected concept swapped onto another) passes integrity but is caught
by the protected-probes safety gate — the shipped demo file and a freshly poisoned one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"M2KT_HOME": str(tmp_path_factory.mktemp("poison_ws"))}


def test_shipped_poisoned_packet_verifies_but_fails_safety(home, tmp_path: Path) -> None:
    pkt = DEMO / "poisoned-supersense.m2kt"
    trust = str(DEMO / "demo-teacher.pub")
    res = run_cli("verify", str(pkt), "--trust", trust, env=home)
    assert res.returncode == 0, res.stderr  # integrity, signature, schema: all fine
    assert run_cli("approve", str(pkt), "--trust", trust, "--reviewer", "demo", "--reason",
                   "looks fine at a glance", env=home).returncode == 0
    out = tmp_path / "poisoned-student"
    res = run_cli("ingest", str(pkt), "--out", str(out), "--trust", trust, env=home)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "ERROR GateFailure" in res.stderr and "protected probes" in res.stderr
    gates = {g["name"]: g for g in json.loads((out / "ingestion_report.json").read_text())
             ["gates"]}
    probe_gate = gates["protected probes not read as forbidden concepts"]
    assert not probe_gate["passed"] and probe_gate["figure"] > 0.5
