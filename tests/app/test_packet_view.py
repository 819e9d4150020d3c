"""``app.packet_view.claimed``: what a queued packet claims, cached per file version."""

from __future__ import annotations

import os
from pathlib import Path

from app.packet_view import claimed, packet_label
from tests.fixtures.packets import make_packet


def _bump(path: Path) -> None:
    """Move the file's modification time on, as a rewrite a nanosecond later would."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_claimed_reads_the_manifest_and_follows_a_rewritten_file(tmp_path: Path) -> None:
    path = tmp_path / "p.m2kt"
    path.write_bytes(make_packet())
    first = claimed(path)
    assert first == {"task": "synthetic", "track": "symbolic", "teacher": "tiny",
                     "creator": "tests", "created": "2026-01-01 00:00:00"}
    assert packet_label(path).startswith("synthetic · tiny · 2026-01-01 00:00:00 (p…")
    first["task"] = "changed by the caller"  # a copy: the cached claim is not touched
    assert claimed(path)["task"] == "synthetic"

    path.write_bytes(b"not a packet")  # the same path, another version: read again
    _bump(path)
    assert claimed(path)["task"] == "(unreadable)"
    assert claimed(path)["track"] == "language"

    path.write_bytes(make_packet(created_at="2026-02-03T04:05:06Z"))
    _bump(path)
    assert claimed(path)["created"] == "2026-02-03 04:05:06"
