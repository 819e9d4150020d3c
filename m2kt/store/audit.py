"""The append-only, hash-chained audit log of packet decisions (approve, reject, ingest …).

Each entry's ``hash`` is SHA-256 over the previous entry's hash and this entry's canonical
fields, so editing, reordering or deleting a row out of band breaks the chain from that row
on; :func:`verify_chain` names the first broken entry.  UPDATE and DELETE are refused by
triggers.  Appends run in ``BEGIN IMMEDIATE`` so concurrent writers serialise.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from m2kt.errors import M2KTError, UsageError


class DecisionConflict(M2KTError):
    """Another reviewer decided on the same packet after this one loaded it (exit 1)."""

    exit_code = 1


class AlreadyDecided(M2KTError):
    """The packet was already approved or rejected: a decision is final (exit 1)."""

    exit_code = 1


GENESIS = "0" * 64
ACTIONS = ("received", "verified", "approved", "rejected", "ingested")


@dataclass(frozen=True)
class Entry:
    id: int
    packet_digest: str
    action: str
    reviewer: str
    reason: str
    created_at: str
    prev_hash: str
    hash: str


def _hash(prev: str, digest: str, action: str, reviewer: str, reason: str, at: str) -> str:
    body = json.dumps([prev, digest, action, reviewer, reason, at], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def append(conn: sqlite3.Connection, digest: str, action: str, reviewer: str, reason: str) -> Entry:
    """Append one entry (atomically, chained to the last). Raises UsageError on bad fields."""
    return _append(conn, digest, action, reviewer, reason)


def record_ingestion(conn: sqlite3.Connection, digest: str, actor: str, out_dir: object,
                     gates: list[str]) -> Entry:
    """The one way every front end (CLI, workbench page, guided demo) records that a packet was
    ingested: where the student went and its gate statuses (``"pass"``/``"fail"``/``"n/a"``)."""
    from pathlib import Path

    from m2kt.verify.gates import summary

    where = Path(str(out_dir)).expanduser().resolve()  # absolute: every page can find it
    return _append(conn, digest, "ingested", actor,
                   f"gates: {summary(gates)}; new student at {where}")  # the verdict first


def _append(conn: sqlite3.Connection, digest: str, action: str, reviewer: str, reason: str,
            precheck: Callable[[], None] | None = None) -> Entry:
    """Validate, then in one ``BEGIN IMMEDIATE`` transaction run ``precheck`` (which may raise
    to abort) and insert the entry chained to the last one."""
    if action not in ACTIONS:
        raise UsageError(f"unknown audit action {action!r}")
    reviewer, reason = reviewer.strip(), reason.strip()
    if not reviewer or not reason:
        raise UsageError("a reviewer name and a reason are required")
    if len(reviewer) > 200 or len(reason) > 2000:
        raise UsageError("reviewer (200) or reason (2000 characters) too long")
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if precheck is not None:
            precheck()
        row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS
        h = _hash(prev, digest, action, reviewer, reason, at)
        cur = conn.execute(
            "INSERT INTO audit_log(packet_digest, action, reviewer, reason, created_at, "
            "prev_hash, hash) VALUES (?,?,?,?,?,?,?)", (digest, action, reviewer, reason, at,
                                                        prev, h))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return Entry(int(cur.lastrowid), digest, action, reviewer, reason, at, prev, h)


def entries(conn: sqlite3.Connection, digest: str | None = None) -> list[Entry]:
    q = "SELECT id, packet_digest, action, reviewer, reason, created_at, prev_hash, hash " \
        "FROM audit_log"
    rows = conn.execute(q + (" WHERE packet_digest=? ORDER BY id" if digest else " ORDER BY id"),
                        (digest,) if digest else ()).fetchall()
    return [Entry(*r) for r in rows]


def decision(conn: sqlite3.Connection, digest: str) -> Entry | None:
    """The latest approve/reject decision for a packet, or None."""
    row = conn.execute(
        "SELECT id, packet_digest, action, reviewer, reason, created_at, prev_hash, hash FROM "
        "audit_log WHERE packet_digest=? AND action IN ('approved','rejected') ORDER BY id DESC "
        "LIMIT 1", (digest,)).fetchone()
    return Entry(*row) if row else None


def verify_chain(conn: sqlite3.Connection) -> tuple[bool, int | None, int]:
    """Walk the chain: ``(intact, first_broken_id, entries_checked)``."""
    prev = GENESIS
    n = 0
    for e in entries(conn):
        n += 1
        if e.prev_hash != prev or e.hash != _hash(prev, e.packet_digest, e.action, e.reviewer,
                                                  e.reason, e.created_at):
            return False, e.id, n
        prev = e.hash
    return True, None, n


def decide(conn: sqlite3.Connection, digest: str, action: str, reviewer: str, reason: str,
           seen: int | None) -> Entry:
    """Record an approve/reject decision on a packet that has none yet: a decision is final
    (:class:`AlreadyDecided`, naming who decided, when a decision exists). ``seen``: the
    decision the reviewer saw (its entry id, or ``None`` for "no decision yet"); two
    reviewers racing on one packet therefore end with exactly one decision: the second gets
    :class:`DecisionConflict` and must look again. Check and append are one
    ``BEGIN IMMEDIATE`` transaction."""
    if action not in ("approved", "rejected"):
        raise UsageError("a decision is 'approved' or 'rejected'")

    def unchanged() -> None:
        row = conn.execute(
            "SELECT id, reviewer, action FROM audit_log WHERE packet_digest=? AND action IN "
            "('approved','rejected') ORDER BY id DESC LIMIT 1", (digest,)).fetchone()
        if row is not None and row[0] == seen:
            raise AlreadyDecided(f"{row[1]} already {row[2]} this packet (audit entry "
                                 f"{row[0]}); a decision is final")
        if (row[0] if row else None) != seen:
            what = (f"{row[1]} {row[2]} this packet (audit entry {row[0]})" if row
                    else "the decision you saw is gone")
            raise DecisionConflict(f"{what} after you loaded it; reload and decide again")

    return _append(conn, digest, action, reviewer, reason, precheck=unchanged)
