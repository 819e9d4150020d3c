"""Workspace creation and the versioned SQLite schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from m2kt.config import workspace
from m2kt.errors import WorkspaceError
from m2kt.store.db import SCHEMA_VERSION, open_db, schema_version


def test_workspace_created_on_first_use(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "fresh" / "ws")
    for p in (ws.root, ws.model_cache, ws.packets, ws.students, ws.keys):
        assert p.is_dir()
    conn = open_db(ws)
    assert schema_version(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "model_cache"} <= tables
    conn.close()
    assert schema_version(open_db(ws)) == SCHEMA_VERSION  # reopening migrates nothing


def test_newer_schema_refused(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    conn = open_db(ws)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(WorkspaceError, match="newer than this software"):
        open_db(ws)


def test_not_a_database_refused(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    ws.db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WorkspaceError, match="unusable"):
        open_db(ws)


def test_workspace_on_a_file_refused(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(WorkspaceError, match="cannot create workspace"):
        workspace(f)
