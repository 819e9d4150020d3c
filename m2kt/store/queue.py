"""The workspace's review queue: packets handed to the workbench, stored by content digest.

Uploaded bytes are size-checked against the packet cap and written atomically as
``$M2KT_HOME/packets/<digest>.m2kt`` — the packet digest approvals refer to (SHA-256 of the
signed payload), or the file's SHA-256 when no envelope can be read — the bytes as received,
never rewritten; whether the packet verifies is decided by the reader each time it is shown
or approved.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from m2kt.config import Workspace, workspace
from m2kt.errors import LimitError
from m2kt.limits import MAX_PACKET_BYTES
from m2kt.packet.writer import write_atomic


def save_packet_bytes(data: bytes, ws: Workspace | None = None) -> Path:
    """Store ``data`` in the queue (idempotent); returns its path."""
    if len(data) > MAX_PACKET_BYTES:
        raise LimitError(f"{len(data):,} bytes exceeds the packet limit of "
                         f"{MAX_PACKET_BYTES:,} bytes")
    from m2kt.packet.reader import packet_digest

    name = packet_digest(data) or hashlib.sha256(data).hexdigest()
    path = (ws or workspace()).packets / f"{name}.m2kt"
    if not path.exists():
        write_atomic(path, data)
    return path


def admit(data: bytes, ws: Workspace | None = None):
    """Read ``data`` in report-all mode and store it in the queue only when its container,
    envelope and manifest parse (a reviewer can then read what it claims); returns
    ``(report, path or None)``. A file that does not parse is reported and never stored."""
    from m2kt.packet.reader import report_packet
    from m2kt.packet.trust import load_store
    from m2kt.store.db import open_db

    ws = ws or workspace()
    conn = open_db(ws)
    try:
        rep = report_packet(data, load_store(), conn)
    finally:
        conn.close()
    return rep, (save_packet_bytes(data, ws) if rep.manifest is not None else None)


def queued(ws: Workspace | None = None) -> list[Path]:
    """Packets in the queue, newest first."""
    d = (ws or workspace()).packets
    return sorted(d.glob("*.m2kt"), key=lambda p: p.stat().st_mtime, reverse=True)
