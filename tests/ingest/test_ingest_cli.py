"""approve → ingest → predict on a real packet; unapproved, rejected and tampered packets are
refused before any training step."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("ingest")
    home = {"M2KT_HOME": str(root / "ws")}
    assert run_cli("keygen", "--out", str(root / "k"), env=home).returncode == 0
    pkt = root / "multistep.m2kt"
    res = run_cli("build-packet", "--domain", "multistep", "--key", str(root / "k/teacher.key"),
                  "--out", str(pkt), "--anchors", "64", env=home)
    assert res.returncode == 0, res.stderr
    # a decision is final: the rejection test decides in a copy of the workspace, so that the
    # approval test can still approve the same packet
    shutil.copytree(root / "ws", root / "ws-reject")
    return {"home": home, "pkt": pkt, "root": root,
            "reject_home": {"M2KT_HOME": str(root / "ws-reject")}}


def test_unapproved_then_rejected_refused_before_training(env) -> None:
    home, out = env["reject_home"], env["root"] / "s0"
    res = run_cli("ingest", str(env["pkt"]), "--out", str(out), env=home)
    assert res.returncode == 1 and "it has not been approved" in res.stderr
    assert "step 1/" not in res.stderr and not out.exists()
    assert run_cli("reject", str(env["pkt"]), "--reviewer", "bob", "--reason", "not yet",
                   env=home).returncode == 0
    res = run_cli("ingest", str(env["pkt"]), "--out", str(out), env=home)
    assert res.returncode == 1 and "it was rejected by bob" in res.stderr
    assert not out.exists()
    res = run_cli("approve", str(env["pkt"]), "--reviewer", "alice", "--reason", "changed mind",
                  env=home)
    assert res.returncode == 1 and "AlreadyDecided" in res.stderr and "final" in res.stderr


def test_tampered_packet_refused(env) -> None:
    bad = env["root"] / "tampered.m2kt"
    data = bytearray(env["pkt"].read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    res = run_cli("ingest", str(bad), "--out", str(env["root"] / "s1"), env=env["home"])
    assert res.returncode == 2 and "Error" in res.stderr and "step 1/" not in res.stderr


def test_approve_ingest_predict(env) -> None:
    home = env["home"]
    assert run_cli("approve", str(env["pkt"]), "--reviewer", "alice", "--reason", "checked",
                   env=home).returncode == 0
    out = env["root"] / "student"
    res = run_cli("ingest", str(env["pkt"]), "--out", str(out), env=home)
    assert res.returncode in (0, 1), res.stderr
    assert "held-out accuracy above the student's start" in res.stdout
    assert "chance 0.500" in res.stdout  # multistep answers yes/no: chance is 1/2
    import re

    assert "p < 0.001" in res.stdout and not re.search(r"\de-\d", res.stdout)  # no raw p
    assert "VERDICT: " in res.stdout
    report = json.loads((out / "ingestion_report.json").read_text())
    assert report["accuracy"] > report["student_before"]
    v = report["verdict"]  # one verdict over every gate the report lists
    assert v["counts"]["fail"] == sum(g["status"] == "fail" for g in report["gates"])
    assert f"VERDICT: {v['label'].upper()}" in res.stdout
    led = report["ledger"]  # what crossed, counted from the packet (BENCHMARK v3)
    from m2kt.ledger import packet_ledger
    from m2kt.packet.reader import open_packet
    from m2kt.packet.signing import load_signing_key
    from m2kt.packet.trust import TrustedKey, TrustStore

    k = load_signing_key(env["root"] / "k" / "teacher.key")
    p = open_packet(env["pkt"], TrustStore({k.keyid: TrustedKey(k.keyid, k.public, "t", ())},
                                           "t"))
    want = packet_ledger(p).as_dict()
    assert {f: led[f] for f in ("to_teacher", "task_strings", "crossing_inputs", "bytes")} == \
        {f: want[f] for f in ("to_teacher", "task_strings", "crossing_inputs", "bytes")}
    assert led["task_strings"] >= 64 + 24  # anchors, traces on them and the steps they answer
    assert set(report["curves"]) == {"geo", "struct", "reason", "safe", "member", "total"}
    res = run_cli("predict", "--model", str(out), "--json", "T and T or F", "F and T and T",
                  env=home)
    assert res.returncode == 0, res.stderr
    answers = json.loads(res.stdout)["answers"]
    assert set(answers.values()) <= {"true", "false"}
    # the new student is a model the registry loads like any other
    assert run_cli("encode", "--model", str(out), "T and F", env=home).returncode == 0
