"""Local reviewer accounts: salted slow hashes, sign-in required for decisions once configured
(CLI and workbench)."""

from __future__ import annotations

from pathlib import Path

import pytest

from m2kt.config import workspace
from m2kt.errors import UsageError
from m2kt.store import reviewers
from m2kt.store.db import open_db
from tests.conftest import run_cli


def test_accounts_hash_and_authenticate(tmp_path: Path) -> None:
    conn = open_db(workspace(tmp_path))
    assert not reviewers.configured(conn)
    reviewers.add(conn, "alice", "correct horse battery")
    salt, stored = conn.execute("SELECT salt, hash FROM reviewers").fetchone()
    assert len(salt) == 16 and b"correct" not in stored
    assert reviewers.authenticate(conn, "alice", "correct horse battery") == "alice"
    for name, pw in (("alice", "wrong password!"), ("mallory", "correct horse battery")):
        with pytest.raises(reviewers.AuthError, match="unknown reviewer or wrong password"):
            reviewers.authenticate(conn, name, pw)
    with pytest.raises(UsageError, match="at least"):
        reviewers.add(conn, "bob", "short")
    with pytest.raises(UsageError, match="exists"):
        reviewers.add(conn, "alice", "another long password")
    reviewers.add(conn, "bob", "a long enough one")
    assert reviewers.names(conn) == ["alice", "bob"]
    reviewers.remove(conn, "bob")
    conn.close()


@pytest.fixture(scope="module")
def signed_packet(tmp_path_factory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("auth")
    home = {"M2KT_HOME": str(root / "ws")}
    assert run_cli("keygen", "--out", str(root / "k"), env=home).returncode == 0
    pkt = root / "p.m2kt"
    assert run_cli("build-packet", "--domain", "multistep", "--key", str(root / "k/teacher.key"),
                   "--out", str(pkt), env=home).returncode == 0
    r = run_cli("reviewers", "add", "alice", "--password-stdin", env=home,
                stdin="s3cret-passw0rd\n")
    assert r.returncode == 0, r.stderr
    return home, pkt


def test_cli_approval_needs_the_reviewers_password(signed_packet) -> None:
    home, pkt = signed_packet
    bad = run_cli("approve", str(pkt), "--reviewer", "alice", "--reason", "ok",
                  "--password-stdin", env=home, stdin="guess\n")
    assert bad.returncode == 1 and "AuthError" in bad.stderr
    unknown = run_cli("approve", str(pkt), "--reviewer", "mallory", "--reason", "ok",
                      "--password-stdin", env=home, stdin="s3cret-passw0rd\n")
    assert unknown.returncode == 1
    good = run_cli("approve", str(pkt), "--reviewer", "alice", "--reason", "read it",
                   "--password-stdin", env=home, stdin="s3cret-passw0rd\n")
    assert good.returncode == 0 and "by alice" in good.stdout
    log = run_cli("audit", "list", env=home)
    assert log.stdout.count("approved") == 1
