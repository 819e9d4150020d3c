"""Audit log: append-only, hash-chained, first broken entry named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from m2kt.config import workspace
from m2kt.errors import UsageError
from m2kt.store import audit
from m2kt.store.db import open_db


def test_append_only_and_chain(tmp_path: Path) -> None:
    conn = open_db(workspace(tmp_path))
    for i in range(3):
        audit.append(conn, f"{i:064x}", "approved", "alice", f"reason {i}")
    assert audit.verify_chain(conn) == (True, None, 3)
    for sql in ("UPDATE audit_log SET reason='x' WHERE id=2", "DELETE FROM audit_log WHERE id=1"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
    conn.execute("DROP TRIGGER audit_log_no_update")  # an out-of-band edit
    conn.execute("UPDATE audit_log SET reason='forged' WHERE id=2")
    assert audit.verify_chain(conn) == (False, 2, 2)


def test_decision_and_validation(tmp_path: Path) -> None:
    conn = open_db(workspace(tmp_path))
    d = "ab" * 32
    assert audit.decision(conn, d) is None
    audit.append(conn, d, "approved", "alice", "ok")
    audit.append(conn, d, "rejected", "bob", "second look: bad graph")
    assert audit.decision(conn, d).action == "rejected"
    with pytest.raises(UsageError):
        audit.append(conn, d, "approved", " ", "no reviewer")
    with pytest.raises(UsageError):
        audit.append(conn, d, "launched", "x", "y")
