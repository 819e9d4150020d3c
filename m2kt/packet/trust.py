"""Trust store of accepted teacher keys and the per-key replay ledger.

Trust store: a folder of ``<keyid>.pub`` PEM files, each optionally with ``<keyid>.json``
``{"name": str, "teachers": [weights_sha256, …]}`` pinning which teacher models that key may
speak for (an empty or absent list pins nothing).  The workspace store is ``$M2KT_HOME/trust``;
``--trust`` may name another folder or a single ``.pub`` file.

Replay ledger (workspace DB): per key, the sequence numbers and digests of packets already
verified.  A packet is refused when its sequence is older than the newest accepted one, reuses
an accepted sequence with a different digest, jumps too far ahead, is expired, or claims a
creation time in the future.  Re-verifying an accepted packet (same digest) is fine.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from m2kt.config import Workspace, workspace
from m2kt.errors import ReplayError, TrustError, UsageError
from m2kt.limits import CLOCK_SKEW_SECONDS, MAX_SEQUENCE_JUMP
from m2kt.packet.signing import key_id, load_public_key, public_pem


@dataclass(frozen=True)
class TrustedKey:
    keyid: str
    public: Ed25519PublicKey
    name: str
    teachers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrustStore:
    """Accepted keys by key id; ``origin`` says where they came from (for messages)."""

    keys: dict[str, TrustedKey] = field(default_factory=dict)
    origin: str = ""

    def get(self, keyid: str, teacher_sha: str) -> TrustedKey:
        """The trusted key ``keyid``; TrustError if unknown or not pinned for the teacher."""
        k = self.keys.get(keyid)
        if k is None:
            raise TrustError(f"packet is signed by key {keyid}, which is not in the trust store "
                             f"({self.origin or 'empty'}); add its .pub only if you trust its "
                             "owner")
        if k.teachers and teacher_sha not in k.teachers:
            raise TrustError(f"key {keyid} ({k.name}) is trusted, but not for the teacher with "
                             f"weights {teacher_sha[:12]}…")
        return k


def store_dir(ws: Workspace | None = None) -> Path:
    d = (ws or workspace()).root / "trust"
    d.mkdir(parents=True, exist_ok=True)
    return d


def load_store(path: Path | None = None) -> TrustStore:
    """Load the trust store at ``path`` (a folder or one ``.pub`` file; default: workspace)."""
    path = path or store_dir()
    files = [path] if path.is_file() else sorted(path.glob("*.pub")) if path.is_dir() else None
    if files is None:
        raise UsageError(f"trust store {path} does not exist")
    keys: dict[str, TrustedKey] = {}
    for f in files:
        pub = load_public_key(f.read_bytes(), str(f))
        kid = key_id(pub)
        meta_path = f.with_suffix(".json")
        meta = {}
        if meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text())
            except ValueError as exc:
                raise UsageError(f"trust metadata {meta_path} is not valid JSON") from exc
        keys[kid] = TrustedKey(kid, pub, str(meta.get("name", f.stem)),
                               tuple(meta.get("teachers", ())))
    return TrustStore(keys, str(path))


def trust_key(pub_file: Path, name: str | None = None, teachers: tuple[str, ...] = (),
              ws: Workspace | None = None) -> str:
    """Copy a public key into the workspace trust store; returns its key id."""
    pub = load_public_key(pub_file.read_bytes(), str(pub_file))
    kid = key_id(pub)
    d = store_dir(ws)
    (d / f"{kid}.pub").write_bytes(public_pem(pub))
    (d / f"{kid}.json").write_text(json.dumps({"name": name or pub_file.stem,
                                               "teachers": list(teachers)}))
    return kid


def _parse_time(s: str) -> datetime:
    return datetime.strptime(s.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def check_replay(conn: sqlite3.Connection, keyid: str, sequence: int, digest: str,
                 created_at: str, expires_at: str | None, now: datetime | None = None) -> bool:
    """Raise ReplayError if the packet must be refused; return True if already accepted."""
    now = now or datetime.now(UTC)
    created = _parse_time(created_at)
    if (created - now).total_seconds() > CLOCK_SKEW_SECONDS:
        raise ReplayError(f"created_at {created_at} is in the future (beyond "
                          f"{CLOCK_SKEW_SECONDS} s of clock skew)")
    if expires_at is not None and _parse_time(expires_at) < now:
        raise ReplayError(f"packet expired at {expires_at}")
    row = conn.execute("SELECT digest FROM replay_ledger WHERE keyid=? AND sequence=?",
                       (keyid, sequence)).fetchone()
    if row is not None:
        if row[0] == digest:
            return True
        raise ReplayError(f"duplicate sequence {sequence} for key {keyid}: a different packet "
                          "with this number was already accepted")
    last = conn.execute("SELECT MAX(sequence) FROM replay_ledger WHERE keyid=?",
                        (keyid,)).fetchone()[0]
    if last is not None and sequence < last:
        raise ReplayError(f"replayed or rolled-back packet: sequence {sequence} is older than "
                          f"the newest accepted ({last}) for key {keyid}")
    if last is not None and sequence > last + MAX_SEQUENCE_JUMP:
        raise ReplayError(f"sequence {sequence} jumps more than {MAX_SEQUENCE_JUMP} ahead of "
                          f"the newest accepted ({last}) for key {keyid}")
    return False


def record_accepted(conn: sqlite3.Connection, keyid: str, sequence: int, digest: str,
                    teacher_sha: str, created_at: str) -> None:
    conn.execute("INSERT OR IGNORE INTO replay_ledger(keyid, sequence, digest, teacher_sha, "
                 "created_at) VALUES (?,?,?,?,?)", (keyid, sequence, digest, teacher_sha,
                                                    created_at))


def next_sequence(conn: sqlite3.Connection, keyid: str) -> int:
    """Atomically increment and return the builder's sequence counter for ``keyid``."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT last FROM packet_sequence WHERE keyid=?", (keyid,)).fetchone()
        seen = conn.execute("SELECT MAX(sequence) FROM replay_ledger WHERE keyid=?",
                            (keyid,)).fetchone()[0] or 0
        nxt = max(row[0] if row else 0, seen) + 1
        conn.execute("INSERT OR REPLACE INTO packet_sequence(keyid, last) VALUES (?,?)",
                     (keyid, nxt))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return nxt
