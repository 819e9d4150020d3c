"""AppTest for the Packets, Review & Approve, Audit Log and Experiments pages: a happy path
and a rejection path each, in a workspace of their own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.tables import literal
from tests.conftest import WALL_LIMIT_S

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory):
    """A workspace whose review queue holds one valid packet and one tampered copy."""
    home = tmp_path_factory.mktemp("ws_pages")
    old = os.environ["M2KT_HOME"]
    os.environ["M2KT_HOME"] = str(home)
    from m2kt.bench.m2kt_run import bench_key
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.packet.build import build_packet
    from m2kt.store.queue import queued, save_packet_bytes

    task = get_task("multistep")
    out = home / "p.m2kt"
    build_packet(task, bench_key("workbench"), out, 1, teacher=load_teacher(task), anchors=16)
    good = out.read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 1
    save_packet_bytes(bytes(bad))
    save_packet_bytes(good)
    yield {"home": home, "paths": queued()}
    os.environ["M2KT_HOME"] = old


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=WALL_LIMIT_S)
    return at.switch_page(f"views/{name}.py")


def _select(at: AppTest, tampered: bool) -> AppTest:
    at.run()
    box = at.selectbox[0]
    for i in range(len(box.options)):
        at.selectbox[0].set_value(i).run()
        if any("Does not verify" in e.value for e in at.error) == tampered:
            return at
    raise AssertionError("packet not found in the queue")


def test_review_refuses_to_approve_a_packet_that_does_not_verify(queue) -> None:
    at = _select(_page("review"), tampered=True)
    assert not at.exception
    approve = [b for b in at.button if b.label == "Approve"][0]
    assert approve.disabled
    at.text_input[0].input("carol")
    at.text_area[0].input("hash mismatch")
    [b for b in at.button if b.label == "Reject"][0].click().run()
    assert not at.exception
    assert any("rejected by carol" in s.value for s in at.success)


def test_review_queue_names_task_teacher_creator_and_status(queue) -> None:
    at = _page("review").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert {"task", "teacher", "creator", "created", "status"} <= set(df.columns)
    # the valid packet claims its task; the tampered copy fails its container check
    assert set(df["task"]) == {"multistep", "(unreadable)"}
    assert "multistep" in at.selectbox[0].options[at.selectbox[0].index]


def test_a_file_that_does_not_parse_never_enters_the_queue(queue) -> None:
    from m2kt.store.queue import admit, queued

    before = queued()
    rep, path = admit(b"PK\x03\x04 twenty bytes, no zip")
    assert path is None and not rep.ok and rep.issues
    assert queued() == before
    good = queue["paths"][0].read_bytes()
    rep, path = admit(good)
    assert path is not None and path in queued()


def test_review_approves_a_valid_packet_into_the_audit_log(queue) -> None:
    at = _select(_page("review"), tampered=False)
    assert any("Verifies" in s.value for s in at.success)
    [b for b in at.button if b.label == "Approve"][0].click().run()
    assert any("needs the reviewer's name" in e.value for e in at.error)  # nothing recorded
    at.text_input[0].input("alice")
    at.text_area[0].input("read the provenance")
    [b for b in at.button if b.label == "Approve"][0].click().run()
    assert not at.exception
    assert any("approved by alice" in s.value for s in at.success)
    assert "approved" in set(at.dataframe[0].value["status"])  # the table shows the decision
    log = _page("audit").run()
    assert not log.exception
    assert any("Chain verified: 2 entries" in s.value for s in log.success), \
        [s.value for s in log.success] + [e.value for e in log.error]
    assert set(literal(log.table[0].value)["action"]) == {"approved", "rejected"}  # reasons in full


def test_packets_page_builds_a_packet(queue) -> None:
    """The build runs as a background job with its progress; when it ends the page says
    where the packet went."""
    at = _page("packets").run()
    assert not at.exception
    at.selectbox[0].set_value("multistep").run()
    assert at.number_input[0].value == 64  # the default: 64 anchors (half a small pool)
    at.number_input[0].set_value(16)
    [b for b in at.button if b.label == "Build packet"][0].click().run()
    assert not at.exception and not at.error
    job = at.session_state["job_build"]
    job.join(600)
    at.run()
    assert job.state == "done", job.error
    assert any("Built the multistep packet" in s.value for s in at.success)


def test_audit_page_reports_a_broken_chain(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    from m2kt.config import workspace
    from m2kt.store import audit
    from m2kt.store.db import open_db

    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    conn = open_db(workspace())
    audit.append(conn, "a" * 64, "approved", "alice", "ok")
    audit.append(conn, "b" * 64, "rejected", "bob", "no")
    conn.close()
    raw = sqlite3.connect(tmp_path / "m2kt.sqlite")
    names = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for n in names:
        raw.execute(f"DROP TRIGGER {n}")
    raw.execute("UPDATE audit_log SET reviewer='mallory' WHERE id=1")
    raw.commit()
    raw.close()
    at = _page("audit").run()
    assert not at.exception
    assert any("Chain broken at entry 1" in e.value for e in at.error)


def test_experiments_page_shows_the_committed_report() -> None:
    at = _page("experiments").run()
    assert not at.exception
    committed = Path(__file__).resolve().parents[2] / "docs/results/full/bench.json"
    if committed.is_file():
        import json

        df = literal(at.table[0].value)
        assert set(json.loads(committed.read_text())["tasks"]) == set(df.index)
        assert any("falls short" in t.value or "meets" in t.value for t in at.text)
        # every column of the report is shown, in tables narrow enough for a laptop screen
        # (the issue: one 14-column table cut its right-hand columns off at 1400 px); static
        # tables wrap every cell in full
        from m2kt.bench.report import summary_rows

        shown = [set(literal(d.value).columns) | {"task"} for d in at.table]
        assert all(len(cols) <= 8 for cols in shown), [len(c) for c in shown]
        wanted = set(summary_rows(json.loads(committed.read_text()))[0]) - {"track"}
        assert wanted <= set().union(*shown), wanted - set().union(*shown)
    else:
        assert at.info


def test_ingest_page_runs_a_background_job_to_completion(queue) -> None:
    at = _page("ingest").run()
    assert not at.exception
    if at.info:  # the approval test did not run first in this session: approve here
        pytest.skip("needs the approved packet of test_review_approves_…")
    # the picker names task and teacher, not only a hex digest
    assert at.selectbox[0].options[0].startswith("multistep · sym-multistep-teacher · ")
    # λ: the default variant's own on the packet's (symbolic) track, as the engine trains
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant

    lam = get_variant(DEFAULT_VARIANT).weights("symbolic")
    assert {n.label: n.value for n in at.number_input[1:]} == lam
    at.number_input[0].set_value(20)
    [b for b in at.button if b.label == "Start ingestion"][0].click().run()
    assert not at.exception
    from app.state import get_job  # noqa: F401 — the job lives in the session state

    job = at.session_state["job_ingest"]
    job.join(WALL_LIMIT_S)
    assert job.state == "done", (job.state, job.error)
    assert job.steps and {"geo", "struct", "reason", "safe"} <= set(job.steps[-1])
    assert job.result.extra["weights"] == lam
    assert job.result.out_dir.is_dir()
    from m2kt.config import workspace
    from m2kt.store import audit
    from m2kt.store.db import open_db

    conn = open_db(workspace())
    try:  # a workbench ingestion reaches the audit log, with its gates
        assert any(e.action == "ingested" and str(job.result.out_dir) in e.reason
                   and e.reason.startswith("gates: ")  # the verdict first: a cut cell keeps it
                   for e in audit.entries(conn))
    finally:
        conn.close()
    at.run()  # the finished job renders once more, without a poller; failed gates not green
    assert not at.exception
    failed = [g for g in job.result.gates if g.failed]
    assert bool(failed) == any("do not deploy" in e.value.lower() for e in at.error)
    assert job.result.gates[0].stage == "pre"  # the checks before ingestion come first
    assert not failed or not any("Student written" in x.value for x in at.success)


def test_ingest_page_without_approved_packets_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    at = _page("ingest").run()
    assert not at.exception
    assert any("Approve one on the Review & Approve page" in i.value for i in at.info)


def test_manifolds_page_teacher_view_and_aligned_overlay(queue) -> None:
    at = _page("manifolds").run()
    assert not at.exception
    at.selectbox[0].set_value("multistep").run()
    assert not at.exception
    box = next(b for b in at.selectbox if b.label.startswith("Ingested student"))
    if box.value is not None:  # the ingest test left a multistep student in this workspace
        assert not at.exception
        assert "shuffled pairs" in at.dataframe[0].value.columns
        assert at.get("plotly_chart")  # the manifolds drawn, the student's centres beside
        at.radio[0].set_value("before alignment").run()
        assert not at.exception
    else:
        assert any("No ingested student" in i.value for i in at.info)


def test_manifolds_page_opens_on_the_newest_students_task_with_its_overlay(queue) -> None:
    import json

    students = sorted((queue["home"] / "students").glob("*/m2kt_student.json"),
                      key=lambda p: p.parent.stat().st_mtime)
    if not students:
        pytest.skip("needs the student of test_ingest_page_runs_…")
    newest = students[-1].parent
    at = _page("manifolds").run()
    assert not at.exception
    assert at.selectbox[0].value == json.loads(students[-1].read_text())["task"]
    box = next(b for b in at.selectbox if b.label.startswith("Ingested student"))
    assert box.value.name == newest.name
    other = "modular" if at.selectbox[0].value != "modular" else "multistep"  # tiny models
    at.selectbox[0].set_value(other).run()  # the user's pick is kept on the next rerun
    at.run()
    assert at.selectbox[0].value == other


def test_verification_page_shows_gates_of_the_ingested_student(queue) -> None:
    at = _page("verification").run()
    assert not at.exception
    if at.info:
        pytest.skip("needs the student of test_ingest_page_runs_…")
    gates = literal(at.table[0].value)  # a static table: every detail in full
    assert {"figure", "threshold", "result", "detail"} <= set(gates.columns)
    from m2kt.ingest.stages.evaluate import HELD_OUT_GATE

    assert HELD_OUT_GATE in set(gates.index)
    assert at.success or at.error  # the verdict, never a neutral line


def test_verification_page_empty_state(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    at = _page("verification").run()
    assert not at.exception and any("No ingested student" in i.value for i in at.info)


@pytest.mark.slow
def test_poisoned_demo_is_caught_on_the_page() -> None:
    at = _page("verification").run()
    [b for b in at.button if b.label.startswith("Run the poisoned")][0].click().run()
    job = at.session_state["job_poison"]
    job.join(WALL_LIMIT_S)
    assert job.state == "done", job.error
    failed = [g.name for g in job.result.gates if not g.passed]
    assert "protected probes not read as forbidden concepts" in failed


def test_graph_page_shows_the_packet_graph(queue) -> None:
    at = _page("graph").run()
    assert not at.exception
    assert [m.value for m in at.metric][0] == "2"  # multistep: two concepts
    # the method, in the packet's own words, in full and as plain text
    assert any("readout confusion" in t.value or "confuses" in t.value for t in at.text)
    # the neighbourhood opens on a concept that has edges (it opened on an isolated one)
    rows = at.dataframe[-1].value
    assert "no edges" not in set(rows["type"]), rows
    at.radio[0].set_value("static (plotly)").run()
    assert not at.exception


def test_graph_page_empty_state(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    at = _page("graph").run()
    assert not at.exception and any("No verified packet" in i.value for i in at.info)


def test_traces_page_teacher_and_student_answers(queue) -> None:
    at = _page("traces").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert len(df) > 0 and {"query", "teacher answer"} <= set(df.columns)
    if "student answer" in df.columns:  # the ingest test left a student of this packet
        assert at.metric and at.metric[0].value.endswith("%")


def test_traces_page_empty_state(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    at = _page("traces").run()
    assert not at.exception and any("No verified packet" in i.value for i in at.info)


def test_home_guided_demo_card_matches_the_engine_report(tmp_path: Path, monkeypatch) -> None:
    import json

    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    at = AppTest.from_file(str(APP), default_timeout=WALL_LIMIT_S).run()
    assert not at.exception
    at.selectbox[0].set_value("multistep")
    [b for b in at.button if b.label == "Run the guided demo"][0].click().run()
    job = at.session_state["job_demo"]
    job.join(WALL_LIMIT_S)
    assert job.state == "done", job.error
    r = job.result
    report = json.loads((Path(r["student_dir"]) / "ingestion_report.json").read_text())
    assert r["accuracy"] == report["accuracy"] and r["ledger"] == report["ledger"]
    # accuracy and teacher on the same held-out split (dev: the gates' split)
    assert report["eval_split"] == r["split"] == "dev"
    assert r["retention"] == pytest.approx(report["accuracy"] / r["teacher_acc"])
    # the card's time is the whole demo's wall time, not only its packet and ingestion stages
    assert r["seconds"] >= sum(r["stage_seconds"].values())
    at.run()
    assert not at.exception
    assert any(m.label == "retention of the teacher" for m in at.metric)
    # one verdict over one list of gates, on the card and on Verification & Safety
    assert r["verdict"] == report["verdict"] and r["gates"] == report["gates"]
    card = [x.value for x in (*at.success, *at.error) if report["verdict"]["summary"] in x.value]
    ver = _page("verification").run()  # the same student, the same gates
    assert card and any(report["verdict"]["summary"] in x.value
                        for x in (*ver.success, *ver.error))
    from m2kt.config import workspace
    from m2kt.store import audit
    from m2kt.store.db import open_db

    conn = open_db(workspace())
    try:
        assert audit.decision(conn, r["digest"]).action == "approved"
        assert [e.action for e in audit.entries(conn, r["digest"])] == ["approved", "ingested"]
    finally:
        conn.close()


@pytest.mark.parametrize("page", ["home", "models", "manifolds", "graph", "traces", "packets",
                                  "review", "ingest", "verification", "experiments", "audit"])
def test_every_page_explains_a_broken_workspace_without_a_traceback(tmp_path: Path,
                                                                    page: str, monkeypatch) -> None:
    """The workspace path is a regular file: every page shows a readable error, no exception."""
    bad = tmp_path / "not-a-folder"
    bad.write_text("x")
    monkeypatch.setenv("M2KT_HOME", str(bad))
    at = _page(page).run()
    assert not at.exception, at.exception
    # experiments and packets do not touch the workspace until asked to
    assert at.error or at.info or page in ("experiments", "packets"), page


def test_experiments_page_offers_each_committed_report() -> None:
    import json
    import re

    from m2kt.bench.report import COMMITTED_REPORTS

    root = Path(__file__).resolve().parents[2]
    present = [Path(p).parent.name for p in COMMITTED_REPORTS.values() if (root / p).is_file()]
    at = _page("experiments").run()
    assert not at.exception
    if len(present) < 2:
        assert not at.radio
        return
    assert len(at.radio[0].options) == len(present)
    shown = []
    for label in at.radio[0].options:  # each report shows its own tasks, models and command
        at.radio[0].set_value(label).run()
        assert not at.exception
        line = next(t.value for t in at.text if t.value.startswith("Showing"))
        path = root / re.search(r"\((docs/results/[\w-]+/bench\.json)\)", line).group(1)
        shown.append(path.parent.name)
        report = json.loads(path.read_text())
        df = literal(at.table[0].value)
        assert set(df.index) == set(report["tasks"])
        for task, models in zip(df.index, df["models"], strict=True):
            assert models.startswith(f"{report['tasks'][task]['teacher']['name']} →")
        assert any(report["meta"]["command"] in t.value for t in at.text)
    assert shown == present


def test_ingest_page_never_shows_a_student_with_a_failed_gate_in_green(tmp_path: Path,
                                                                       monkeypatch) -> None:
    """A finished job whose student failed a gate: red, the failed gate named, no progress bar
    left behind (the job itself is real; its result is a fixed one with one failed gate)."""
    from types import SimpleNamespace

    from m2kt.jobs import Job
    from m2kt.ledger import Ledger
    from m2kt.verify.gates import check

    monkeypatch.setenv("M2KT_HOME", str(tmp_path))
    gates = [check("held-out accuracy above the start", "post", 0.40, 0.45, ">="),
             check("CAL norm", "post", 1.0, 10.0, "<=")]
    result = SimpleNamespace(out_dir=tmp_path / "s", accuracy=0.40, student_before=0.45,
                             ledger=Ledger(to_teacher=64, task_strings=88, crossing_inputs=88),
                             gates=gates, extra={})
    job = Job("ingest abcd").start(lambda progress, cancel, on_step: result)
    job.join(10)
    assert job.state == "done"
    at = _page("ingest")
    at.session_state["job_ingest"] = job
    at.run()
    assert not at.exception
    assert not any("Student written" in s.value for s in at.success)
    assert any("do not deploy" in e.value.lower() and "held-out accuracy" in e.value
               for e in at.error)
    assert "1 passed, 1 failed" in " ".join(e.value for e in at.error)
    # below its start: said so, and not offered as the result
    assert any("BELOW" in e.value and "not offered" in e.value for e in at.error)
