"""Verification & Safety: the gates of an ingested student, and the poisoned-packet demo."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app.state import get_job, set_job
from app.widgets import (
    gates_table,
    glossary_caption,
    job_panel,
    page_header,
    show_error,
    verdict_box,
)
from m2kt.jobs import Job
from m2kt.render.escape import md_inert, visible
from m2kt.store.students import known_students
from m2kt.verify.verdict import verdict

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo"

page_header(
    "Verification & Safety",
    "After ingestion every gate reports its figure, threshold and verdict: alignment against a "
    "permutation null, trace agreement with the teacher, retention of the student's prior "
    "behaviour on protected probes, the CAL's norm, and held-out accuracy against the "
    "student's start. The safety policy sets the thresholds (this workspace's policy.json, else "
    "assets/safety_policy.json). "
    "One failed gate means: do not deploy that student.",
)
glossary_caption("gate", "alignment gate", "probe geometry drift", "CKA", "held-out accuracy",
                 "start", "crossing strings")

st.subheader("Ingested students")
students = known_students()
if not students:
    st.info("No ingested student yet: run one on Align & Ingest (or `python -m m2kt ingest`).")
else:
    choice = st.selectbox("Student", students,
                          format_func=lambda s: f"{s.name} · {s.task} · {s.variant}",
                          help="Every student this workspace ingested: from the workbench, the "
                               "guided demo, or `python -m m2kt ingest` (any folder the audit "
                               "log records)")
    rep = choice.report
    try:
        verdict_box(verdict(rep["gates"]), "this student")
        acc, before = rep.get("accuracy"), rep.get("student_before")
        if acc is not None and before is not None and acc < before:
            st.error(f"It answers {acc:.3f}, below the {before:.3f} it answered before "
                     "ingestion: keep the original student.", icon=":material/trending_down:")
        c = st.columns(3)
        c[0].metric(f"held-out ({rep.get('eval_split', 'dev')}) accuracy",
                    f"{acc:.3f}" if acc is not None else "—")
        c[1].metric("student's start", f"{before:.3f}" if before is not None else "—")
        c[2].metric("crossing strings", f"{rep['ledger']['crossing_inputs']:,}",
                    help="every string for which per-string information passed between the "
                         "two sides (BENCHMARK v3 ledger; Glossary: crossing strings)")
        gates_table(rep["gates"])
        led = rep["ledger"]
        st.caption(f"Method: variant {md_inert(rep.get('variant'), 40)}, initial map "
                   f"{md_inert(rep.get('method'), 40)}, readout {md_inert(rep.get('readout'), 40)}"
                   f". What crossed: {led.get('crossing_inputs', 0):,} strings — the teacher "
                   f"read {led.get('to_teacher', 0):,} of the student's, the packet carries "
                   f"teacher information on {led.get('task_strings', 0):,} — and "
                   f"{led.get('bytes', 0):,} bytes; the student read "
                   f"{led.get('student_inputs', 0):,} inputs of its own. Folder: "
                   f"{md_inert(str(choice.path), 200)}.")
    except (KeyError, TypeError, ValueError) as exc:
        show_error(ValueError(f"unreadable ingestion report: {exc}"))

st.subheader("Poisoned-packet demo")
st.markdown(
    "`assets/demo/poisoned-supersense.m2kt` is validly signed and passes every integrity, "
    "signature and schema check — but its author swapped the manifolds of `noun.person` and "
    "`noun.animal`. Ingesting it would teach the student that people are animals. The "
    "protected-probes gate catches it. The demo ingests it in a scratch folder (it never "
    "enters your queue or audit log) and shows the gates.")
job = get_job("poison")
if st.button("Run the poisoned-packet demo", disabled=job is not None and job.active,
             help="An ingestion of the language task supersense in a scratch folder; its "
                  "progress is shown below."):
    def work(progress, cancel, on_step):
        from m2kt.ingest.trainer import ingest
        from m2kt.packet.reader import open_packet
        from m2kt.packet.trust import load_store

        p = open_packet(DEMO / "poisoned-supersense.m2kt", load_store(DEMO / "demo-teacher.pub"),
                        record=False)
        progress("the packet verifies: integrity, signature, trust and schema all pass", 0.05)
        with tempfile.TemporaryDirectory() as tmp:
            return ingest(p, Path(tmp) / "s", progress=progress, cancel=cancel, on_step=on_step)

    job = Job("poisoned demo").start(work)
    set_job("poison", job)


def demo_status(j, snap: dict) -> None:
    if snap["state"] == "running":
        st.progress(snap["fraction"], text=visible(snap["message"], 200))
    elif snap["state"] == "done":
        r = snap["result"]
        v = verdict(r.gates)
        if v["failed"]:
            st.error("Caught — " + "; ".join(v["failed"]) + ": this student must not be "
                     "deployed.", icon=":material/gpp_bad:")
        else:
            st.warning("No gate failed: the poisoning was not caught.")
        gates_table([g.as_dict() for g in r.gates])
    elif snap["state"] in ("failed", "cancelled"):
        show_error(snap["error"])


job_panel("poison", demo_status)
