"""Verification & Safety: the gates of an ingested student, and the poisoned-packet demo."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app.state import get_job, set_job
from app.widgets import job_panel, page_header, show_error
from m2kt.config import workspace
from m2kt.jobs import Job
from m2kt.render.escape import md_inert, visible
from m2kt.render.gates import gate_rows
from m2kt.verify.gates import status_of
from m2kt.verify.gates import summary as gate_summary

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo"

page_header(
    "Verification & Safety",
    "After ingestion every gate reports its figure, threshold and verdict: alignment against a "
    "permutation null, trace agreement with the teacher, retention of the student's prior "
    "behaviour on protected probes, the CAL's norm, and held-out accuracy against the "
    "student's start. The safety policy (assets/safety_policy.json) sets the thresholds.",
)

st.subheader("Ingested students")
reports = sorted(workspace().students.glob("*/ingestion_report.json"),
                 key=lambda p: p.stat().st_mtime, reverse=True)
if not reports:
    st.info("No ingested student yet: run one on Align & Ingest (or `python -m m2kt ingest`).")
else:
    choice = st.selectbox("Student", range(len(reports)),
                          format_func=lambda i: reports[i].parent.name)
    try:
        rep = json.loads(reports[choice].read_text())
        c = st.columns(4)
        c[0].metric(f"held-out ({rep.get('eval_split', 'test')}) accuracy",
                    f"{rep['accuracy']:.3f}" if rep.get("accuracy") is not None else "—")
        c[1].metric("student's start", f"{rep['student_before']:.3f}"
                    if rep.get("student_before") is not None else "—")
        c[2].metric("crossing inputs", rep["ledger"]["crossing_inputs"])
        c[3].metric("post-ingestion gates", gate_summary([status_of(g) for g in rep["gates"]]),
                    help="the gates computed on the new student; the pre-ingestion gates "
                         "(integrity, approval, blocked concepts) passed before any training "
                         "step, or there would be no student")
        st.dataframe(pd.DataFrame(gate_rows(rep["gates"])), hide_index=True, width="stretch")
        ledger = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in rep["ledger"].items()
                           if isinstance(v, int))  # counts, as words, not a Python dict
        st.caption(f"Method: variant {md_inert(rep.get('variant'), 40)}, initial map "
                   f"{md_inert(rep.get('method'), 40)}, readout {md_inert(rep.get('readout'), 40)}"
                   f"; ledger: {ledger}.")
    except (OSError, ValueError, KeyError) as exc:
        show_error(ValueError(f"unreadable ingestion report: {exc}"))

st.subheader("Poisoned-packet demo")
st.markdown(
    "`assets/demo/poisoned-supersense.m2kt` is validly signed and passes every integrity, "
    "signature and schema check — but its author swapped the manifolds of `noun.person` and "
    "`noun.animal`. Ingesting it would teach the student that people are animals. The "
    "protected-probes gate catches it. The demo ingests it in a scratch folder (it never "
    "enters your queue or audit log) and shows the gates.")
job = get_job("poison")
if st.button("Run the demo (about a minute)", disabled=job is not None and job.active):
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
        gates = pd.DataFrame(gate_rows([g.as_dict() for g in r.gates]))
        bad = [g.name for g in r.gates if g.failed]
        (st.error if bad else st.success)(
            "Caught: " + ", ".join(bad) if bad else "No gate failed.")
        st.dataframe(gates, hide_index=True, width="stretch")
    elif snap["state"] in ("failed", "cancelled"):
        show_error(snap["error"])


job_panel("poison", demo_status)
