"""Local reviewer accounts: who may approve or reject when authentication is configured.

Passwords are stored as salted scrypt hashes (``n=2**15, r=8, p=1``: ~0.1 s per check, so
guessing is slow), compared in constant time.  With no account in the workspace the workbench
and the CLI run in a clearly labelled single-user local mode.  Managed by
``python -m m2kt reviewers add|remove|list``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3

from m2kt.errors import M2KTError, UsageError

PARAMS = {"n": 2**15, "r": 8, "p": 1, "dklen": 32}
MIN_PASSWORD = 10


class AuthError(M2KTError):
    """Sign-in failed or is required (exit 1)."""

    exit_code = 1


def _hash(password: str, salt: bytes, params: dict) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=params["n"], r=params["r"],
                          p=params["p"], dklen=params["dklen"], maxmem=128 * 1024 * 1024)


def configured(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM reviewers LIMIT 1").fetchone() is not None


def names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM reviewers ORDER BY name")]


def add(conn: sqlite3.Connection, name: str, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 120:
        raise UsageError("a reviewer name of 1–120 characters is required")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    salt = os.urandom(16)
    with conn:
        try:
            conn.execute("INSERT INTO reviewers(name, salt, hash, params) VALUES (?,?,?,?)",
                         (name, salt, _hash(password, salt, PARAMS), json.dumps(PARAMS)))
        except sqlite3.IntegrityError as exc:
            raise UsageError(f"reviewer {name!r} exists; remove it first") from exc


def remove(conn: sqlite3.Connection, name: str) -> None:
    with conn:
        if conn.execute("DELETE FROM reviewers WHERE name=?", (name,)).rowcount == 0:
            raise UsageError(f"no reviewer named {name!r}")


def authenticate(conn: sqlite3.Connection, name: str, password: str) -> str:
    """The reviewer's name when the password matches; :class:`AuthError` otherwise (the same
    message for an unknown name and a wrong password)."""
    row = conn.execute("SELECT salt, hash, params FROM reviewers WHERE name=?",
                       (name.strip(),)).fetchone()
    if row is None:
        _hash(password, b"0" * 16, PARAMS)  # same cost either way
        raise AuthError("unknown reviewer or wrong password")
    salt, stored, params = row
    if not hmac.compare_digest(_hash(password, salt, json.loads(params)), stored):
        raise AuthError("unknown reviewer or wrong password")
    return name.strip()
