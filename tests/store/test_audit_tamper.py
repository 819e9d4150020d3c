"""Out-of-band edits of any column are found by ``audit verify``; racing reviewers end with one
decision; the CLI verb reports intact and broken chains."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from m2kt.config import workspace
from m2kt.store import audit
from m2kt.store.db import open_db
from tests.conftest import ROOT, run_cli


def _flip(col: str) -> str:
    """SQL for the hex column with its first character changed."""
    return f"(CASE WHEN substr({col}, 1, 1) = '0' THEN '1' ELSE '0' END) || substr({col}, 2)"


COLUMNS = {"packet_digest": _flip("packet_digest"), "action": "'rejected'",
           "reviewer": "'mallory'", "reason": "reason || '!'",
           "created_at": "'2020-01-01T00:00:00.000000Z'", "prev_hash": _flip("prev_hash"),
           "hash": _flip("hash")}


def _log(home: Path, n: int = 4) -> None:
    conn = open_db(workspace(home))
    try:
        for i in range(n):
            audit.append(conn, f"{i:064x}", "approved", f"rev{i}", f"reason {i}")
    finally:
        conn.close()


def _tamper(home: Path, sql: str) -> None:
    raw = sqlite3.connect(home / "m2kt.sqlite")
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")  # an attacker with file access drops the triggers
    raw.execute(sql)
    raw.commit()
    raw.close()


@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_editing_any_column_is_detected(tmp_path: Path, column: str) -> None:
    _log(tmp_path)
    _tamper(tmp_path, f"UPDATE audit_log SET {column} = {COLUMNS[column]} WHERE id = 2")
    conn = open_db(workspace(tmp_path))
    try:
        ok, broken, _ = audit.verify_chain(conn)
    finally:
        conn.close()
    assert not ok and broken == 2
    res = run_cli("audit", "verify", env={"M2KT_HOME": str(tmp_path)})
    assert res.returncode == 1 and "broken at entry 2" in res.stderr


def test_deleting_or_inserting_a_row_is_detected(tmp_path: Path) -> None:
    _log(tmp_path)
    _tamper(tmp_path, "DELETE FROM audit_log WHERE id = 2")
    res = run_cli("audit", "verify", env={"M2KT_HOME": str(tmp_path)})
    assert res.returncode == 1 and "broken at entry 3" in res.stderr


def test_intact_chain_verifies(tmp_path: Path) -> None:
    _log(tmp_path)
    res = run_cli("audit", "verify", env={"M2KT_HOME": str(tmp_path)})
    assert res.returncode == 0 and "intact: 4 entries" in res.stdout


RACE = """
import sys, time
from pathlib import Path
from m2kt.config import workspace
from m2kt.store import audit
from m2kt.store.db import open_db
home, who, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
conn = open_db(workspace(home))
while time.time() < start:
    time.sleep(0.001)
try:
    e = audit.decide(conn, "ab" * 32, "approved" if who == "alice" else "rejected", who,
                     "race", None)
    print("ok", e.id)
except audit.DecisionConflict as exc:
    print("conflict", exc)
"""


def test_two_reviewers_racing_end_with_one_decision(tmp_path: Path) -> None:
    import time

    open_db(workspace(tmp_path)).close()
    for round_ in range(5):
        home = tmp_path / f"r{round_}"
        open_db(workspace(home)).close()
        start = time.time() + 1.0
        procs = [subprocess.Popen([sys.executable, "-c", RACE, str(home), who, str(start)],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True)
                 for who in ("alice", "bob")]
        outs = [p.communicate(timeout=60)[0] for p in procs]
        assert sorted(o.split()[0] for o in outs) == ["conflict", "ok"], outs
        conn = open_db(workspace(home))
        try:
            rows = audit.entries(conn)
            assert len(rows) == 1 and audit.verify_chain(conn)[0]
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
