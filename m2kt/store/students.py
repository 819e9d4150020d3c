"""The ingested students a workspace knows, whichever door made them: the workspace's own
``students/`` folder (the workbench, the guided demo) and every folder the audit log records an
ingestion into (``python -m m2kt ingest --out DIR`` anywhere on this machine).

A student folder is listed only while it still holds a student (``m2kt_student.json``); its
facts come from its own ``ingestion_report.json`` (read as untrusted JSON: a damaged file is
listed with what could be read).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m2kt.config import Workspace, workspace

#: how ``audit.record_ingestion`` writes the student's folder into its reason
_AT = re.compile(r"new student at (.+)$")


@dataclass(frozen=True)
class StudentInfo:
    """One ingested student: its folder, the packet it came from, its task and variant, and
    its ingestion report (``{}`` when unreadable)."""

    path: Path
    packet_digest: str
    task: str
    variant: str
    report: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name


def _info(d: Path) -> StudentInfo | None:
    try:
        meta = json.loads((d / "m2kt_student.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict):
        return None
    try:
        report = json.loads((d / "ingestion_report.json").read_text())
    except (OSError, ValueError):
        report = {}
    return StudentInfo(d, str(meta.get("packet_digest", "")), str(meta.get("task", "?")),
                       str(meta.get("variant", "?")), report if isinstance(report, dict) else {})


def known_students(ws: Workspace | None = None) -> list[StudentInfo]:
    """Every ingested student of the workspace (see module doc), newest first."""
    from m2kt.store import audit
    from m2kt.store.db import open_db

    ws = ws or workspace()
    folders = {d.resolve() for d in ws.students.iterdir() if d.is_dir()}
    conn = open_db(ws)
    try:
        for e in audit.entries(conn):
            if e.action == "ingested" and (m := _AT.search(e.reason)):
                folders.add(Path(m.group(1)).expanduser().resolve())
    finally:
        conn.close()
    infos = [i for d in folders if d.is_dir() and (i := _info(d)) is not None]
    return sorted(infos, key=lambda i: i.path.stat().st_mtime, reverse=True)
