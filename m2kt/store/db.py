"""The workspace SQLite database with a versioned schema.

``open_db(ws)`` creates the file on first use, applies every pending migration in order inside
one transaction each, and returns a connection in WAL mode with ``synchronous=FULL`` (DESIGN §8).
The schema version lives in ``PRAGMA user_version``; a database written by a newer version of
this software is refused rather than silently misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from m2kt.config import Workspace
from m2kt.errors import WorkspaceError

#: Ordered migrations; index i upgrades the schema from version i to i + 1. Append, never edit.
MIGRATIONS: Sequence[str] = (
    # v1: workspace metadata and a record of models converted into the cache.
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE model_cache (
        name       TEXT PRIMARY KEY,
        path       TEXT NOT NULL,
        source     TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    """,
    # v2: per-teacher-key replay ledger of verified packets, and the builder's sequence counter.
    """
    CREATE TABLE replay_ledger (
        keyid       TEXT NOT NULL,
        sequence    INTEGER NOT NULL,
        digest      TEXT NOT NULL,
        teacher_sha TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (keyid, sequence)
    );
    CREATE TABLE packet_sequence (
        keyid TEXT PRIMARY KEY,
        last  INTEGER NOT NULL
    );
    """,
    # v3: append-only, hash-chained audit log of packet decisions.
    """
    CREATE TABLE audit_log (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        packet_digest TEXT NOT NULL,
        action        TEXT NOT NULL,
        reviewer      TEXT NOT NULL,
        reason        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        prev_hash     TEXT NOT NULL,
        hash          TEXT NOT NULL
    );
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    """,
    # v4: local reviewer accounts (salted scrypt hashes); none means single-user local mode.
    """
    CREATE TABLE reviewers (
        name       TEXT PRIMARY KEY,
        salt       BLOB NOT NULL,
        hash       BLOB NOT NULL,
        params     TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def open_db(ws: Workspace) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the workspace database.

    Returns a connection with WAL journaling, ``synchronous=FULL`` and foreign keys on.
    Raises :class:`WorkspaceError` if the file is not a database or is from a newer schema.
    """
    try:
        conn = sqlite3.connect(ws.db_path, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"workspace database {ws.db_path} is unusable: {exc}") from exc
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database (``PRAGMA user_version``)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    """Split a migration into complete statements (trigger bodies contain semicolons)."""
    out, buf = [], ""
    for part in script.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out


def _migrate(conn: sqlite3.Connection) -> None:
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise WorkspaceError(
            f"workspace database has schema v{current}, newer than this software's "
            f"v{SCHEMA_VERSION}; upgrade m2kt or point M2KT_HOME elsewhere"
        )
    for version in range(current, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-check under the write lock: another process may have migrated meanwhile.
            if schema_version(conn) != version:
                conn.execute("ROLLBACK")
                continue
            for stmt in _statements(MIGRATIONS[version]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
