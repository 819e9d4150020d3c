"""The student side needs no registry (issue 17): a packet describes its domain, ingestion reads
the student's own files, and a workspace that never saw the domain ingests, predicts and
evaluates. Bad student-side files are one readable line, exit 2, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m2kt.errors import UsageError
from m2kt.ingest.student_side import parse_inputs
from tests.conftest import ROOT, run_cli

EXAMPLE = ROOT / "assets" / "examples" / "topics"
TOPICS = ("animal", "feeling", "place")
WORDS = 200  # public words in the packet's relative readout (issue 16, direction 2)


def test_inputs_one_per_line_or_jsonl() -> None:
    assert parse_inputs(b"a dog\n\n  a cat  \r\n", "p.txt") == ["a dog", "a cat"]
    assert parse_inputs(b'{"text": "a dog"}\n{"text": "a cat", "id": 3}\n', "p.jsonl") == [
        "a dog", "a cat"]
    # a plain file whose lines are not all objects stays plain text
    assert parse_inputs(b'{"text": "x"}\nplain\n', "p.txt") == ['{"text": "x"}', "plain"]


@pytest.mark.parametrize("data, expect", [
    (b"", "holds no text"),
    (b"ok\n\x00\n", "line 2: contains a NUL byte"),
    (b"ok\n\xc3\x28\n", "line 2: not UTF-8"),
    (b'{"text": "a"}\n{"text": \n', "line 2: not valid JSON"),
    (b'{"text": "a"}\n{"txt": "b"}\n', 'line 2: needs a non-empty string "text"'),
    (b"ok\n" + b"x" * 10_001 + b"\n", "line 2: 10,001 characters"),
])
def test_bad_inputs_name_the_line(data: bytes, expect: str) -> None:
    with pytest.raises(UsageError, match=expect):
        parse_inputs(data, "p")


def _small_domain(tmp_path: Path) -> tuple[Path, Path]:
    """Three topics of the example domain, 120 definitions each: enough for the student side
    to have the texts of its own ingestion needs (8 per concept, 40 in all; its pool is 15 %)."""
    rows = [json.loads(ln) for ln in (EXAMPLE / "examples.jsonl").read_text().splitlines()]
    keep = [r for t in TOPICS for r in [r for r in rows if r["concept"] == t][:120]]
    ex = tmp_path / "examples.jsonl"
    ex.write_text("".join(json.dumps(r) + "\n" for r in keep))
    con = tmp_path / "concepts.csv"
    con.write_text("\n".join(ln for ln in (EXAMPLE / "concepts.csv").read_text().splitlines()
                             if ln.startswith(("id,", *TOPICS))) + "\n")
    return con, ex


@pytest.mark.slow  # the README's "Your own domain" block runs the same flow in the default tier
def test_a_fresh_workspace_ingests_a_users_domain_from_the_packet_alone(tmp_path: Path) -> None:
    teacher_ws, student_ws = tmp_path / "teacher", tmp_path / "student"
    t_env, s_env = {"M2KT_HOME": str(teacher_ws)}, {"M2KT_HOME": str(student_ws)}
    con, ex = _small_domain(tmp_path)
    packet, pool, test = tmp_path / "tiny.m2kt", tmp_path / "pool.jsonl", tmp_path / "test.jsonl"
    for args in (["domains", "add", "tiny", "--concepts", str(con), "--examples", str(ex),
                  "--description", "three topics"],
                 ["keygen", "--out", str(tmp_path / "key")],
                 ["build-packet", "--domain", "tiny", "--key", str(tmp_path / "key/teacher.key"),
                  "--anchors", "16", "--relative-words", str(WORDS), "--out", str(packet)],
                 ["domains", "export", "tiny", "--split", "transfer_pool", "--out", str(pool)],
                 ["domains", "export", "tiny", "--split", "test", "--out", str(test)]):
        r = run_cli(*args, env=t_env)
        assert r.returncode == 0, r.stderr
    pub = str(tmp_path / "key/teacher.pub")
    r = run_cli("approve", str(packet), "--reviewer", "bob", "--reason", "ok", "--trust", pub,
                env=s_env)
    assert r.returncode == 0, r.stderr
    out = student_ws / "students" / "tiny-1"
    # without the student's own texts the student side says what it needs, writes nothing
    r = run_cli("ingest", str(packet), "--out", str(out), "--trust", pub, env=s_env)
    assert r.returncode == 2 and "--inputs FILE" in r.stderr and not out.exists()
    r = run_cli("ingest", str(packet), "--out", str(out), "--trust", pub, "--inputs", str(pool),
                "--eval", str(test), env=s_env)
    assert r.returncode in (0, 1), r.stderr  # 1: a post gate may fail on so small a domain
    assert not (student_ws / "domains").exists()  # the student side never saw the domain
    report = json.loads((out / "ingestion_report.json").read_text())
    n_pool = len(pool.read_text().splitlines())
    # every input counted: the anchors and trace queries that crossed, the student's own texts,
    # the concepts' labels and the packet's public words (the relative map encodes them)
    assert report["ledger"]["student_inputs"] == (report["ledger"]["crossing_inputs"] + n_pool
                                                  + len(TOPICS) + WORDS)
    assert report["eval_split"] == "eval" and report["student_before"] is not None
    r = run_cli("predict", "--model", str(out), "--json", "a small furry animal", env=s_env)
    ans = json.loads(r.stdout)["concepts"][0]
    assert ans["concept"] in TOPICS and ans["label"].startswith(("an ", "a "))
    r = run_cli("evaluate", "--model", str(out), "--examples", str(test), "--json", env=s_env)
    ev = json.loads(r.stdout)
    n_test = len(test.read_text().splitlines())
    assert ev["n"] == n_test == sum(c["n"] for c in ev["per_concept"])
    assert ev["accuracy"] == pytest.approx(report["accuracy"])  # the saved student = evaluated
    assert ev["accuracy"] == sum(c["correct"] for c in ev["per_concept"]) / n_test
    assert sorted(c["id"] for c in ev["per_concept"]) == sorted(TOPICS)
    assert 0 <= ev["start"] <= 1 and 0 <= ev["macro_f1"] <= 1
    r = run_cli("evaluate", "--model", "minilm-l6", "--domain", "tiny", "--examples", str(test),
                env=t_env)
    assert r.returncode == 0 and "accuracy" in r.stdout and "macro-F1" in r.stdout


def test_bad_student_files_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "a", "concept": "nope"}\n')
    r = run_cli("evaluate", "--model", "minilm-l3", "--examples", str(bad))
    assert r.returncode == 2 and r.stderr.count("\n") == 1  # not an ingested student
    r = run_cli("ingest", str(tmp_path / "missing.m2kt"), "--out", str(tmp_path / "o"),
                "--inputs", str(bad))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and not (tmp_path / "o").exists()
