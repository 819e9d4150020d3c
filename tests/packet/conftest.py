"""Trust stores and ledgers for reader tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from m2kt.config import workspace
from m2kt.packet.trust import TrustedKey, TrustStore, record_accepted
from m2kt.store.db import open_db
from tests.fixtures.packets import fixed_key


def store(pins: tuple[str, ...] = ()) -> TrustStore:
    k = fixed_key()
    return TrustStore({k.keyid: TrustedKey(k.keyid, k.public, "test", pins)}, "test store")


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = open_db(workspace(tmp_path / "ws"))
    yield c
    c.close()


def setup_for(kind: str, conn: sqlite3.Connection) -> TrustStore:
    if kind == "pinned":
        return store(pins=("cd" * 32,))
    if kind == "ledger":
        record_accepted(conn, fixed_key().keyid, 5, "ee" * 32, "ab" * 32, "2026-01-01T00:00:00Z")
    return store()
