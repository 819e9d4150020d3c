"""Reasoning Traces: the teacher's step-wise path through concept space, and the student's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.packet_view import verified_queue
from app.widgets import glossary_caption, page_header, show_error
from m2kt.errors import M2KTError
from m2kt.ingest.stages.gates import TRACE_GATE
from m2kt.render.escape import md_inert, visible
from m2kt.render.traces import agreement, step_path, sub_step_rows
from m2kt.store.students import known_students

page_header(
    "Reasoning Traces",
    "For a few queries the teacher records the concepts its computation passes through: layer "
    "by layer (its concept distribution at each layer's centroids), for multi-step tasks hop "
    "by hop (its answer on every prefix of the chain) and, on the reasoning track, step by step "
    "(its value of every sub-expression or running total). A student ingested from the packet "
    "is trained to agree with the main-layer step and with every named step; here you can see "
    "where it does.",
)
glossary_caption("reasoning trace", "gate", "CAL (Concept Alignment Layer)")

valid = [p for p in verified_queue() if p.traces.traces]
if not valid:
    st.info("No verified packet with traces in the review queue. Build or open one on the "
            "Packets page.")
    st.stop()

i = st.selectbox("Packet", range(len(valid)),
                 help="Verified packets of the review queue that carry traces",
                 format_func=lambda k: (
    f"{visible(valid[k].manifest.provenance.domain.task, 30)} — {valid[k].digest[:12]}… "
    f"({len(valid[k].traces.traces)} traces)"))
pk = valid[i]
labels = {c.id: c.label for c in pk.manifest.concepts}
traces = pk.traces.traces
st.caption(f"Method: {md_inert(pk.traces.method, 300)}")

students = [s for s in known_students() if s.packet_digest == pk.digest]
student_answers: list[str] | None = None
stu = None
gate = None
if students:
    sdir = st.selectbox("Student ingested from this packet", students,
                        help="Any student this workspace ingested from the packet",
                        format_func=lambda s: f"{s.name} ({s.variant})")
    gate = next((g for g in sdir.report.get("gates", [])
                 if isinstance(g, dict) and g.get("name") == TRACE_GATE), None)
    try:
        from m2kt.ingest.student import load_student

        stu = load_student(str(sdir.path))
        student_answers = []
        for t in traces:
            q = t.query.split()[-1] if stu.meta["pair_task"] and " isa " in t.query else None
            student_answers.append(stu.answer([t.query], query=q)[0] if (
                q or not stu.meta["pair_task"]) else "—")
    except M2KTError as exc:
        show_error(exc)
else:
    st.caption("No student ingested from this packet yet (Align & Ingest): only the teacher's "
               "side is shown.")

rows = []
for k, t in enumerate(traces):
    row = {"trace": visible(t.id, 20), "query": visible(t.query, 80),
           "teacher answer": visible(labels.get(t.answer, t.answer), 40),
           "steps": len(t.steps)}
    if student_answers is not None:
        sa = student_answers[k]
        row["student answer"] = visible(labels.get(sa, sa), 40)
        row["agree"] = agreement([sa], [t.answer], labels)[0]
    rows.append(row)
df = pd.DataFrame(rows)
if student_answers is not None:
    answered = df["agree"].dropna()
    a, b = st.columns(2)
    if gate is not None and gate.get("figure") is not None:
        a.metric(f"{TRACE_GATE} (the gate)", f"{gate['figure']:.0%}",
                 help=f"{gate.get('detail', '')}; threshold {gate.get('threshold')}; read "
                      "from the student's ingestion report")
    if len(answered):
        b.metric("final answers equal to the teacher's", f"{answered.astype(bool).mean():.0%}",
                 help=f"the student's answer (alone, through its whole readout) against the "
                      f"teacher's answer, on the {len(answered)} of {len(df)} trace queries it "
                      "can answer in the teacher's terms — a different figure from the gate, "
                      "which compares the concept nearest the student's vector with the "
                      "teacher's top concept at its main layer")
    else:
        st.info("The student cannot answer these trace queries in the teacher's terms (on a "
                "pair task a trace names a concept; the student answers yes/no about one), "
                "so no agreement is shown.")
st.dataframe(df, hide_index=True, width="stretch", height=280)

j = st.selectbox("Trace to draw", range(len(traces)),
                 help="One query's path through the teacher's concepts, step by step",
                 format_func=lambda k: f"{visible(traces[k].id, 20)}: "
                                       f"{visible(traces[k].query, 60)}")
t = traces[j]
st.plotly_chart(step_path([s.model_dump() for s in t.steps], labels,
                          title=f"{t.query} → {labels.get(t.answer, t.answer)} "
                                "(the teacher's answer)"),
                width="stretch")
st.caption("Each layer step is a probe, not the teacher's answer: how close the input's vector "
           "at that layer is to each concept's centroid there (softmax of 10 × cosine). The "
           "answer in the title comes from the teacher's own head, so the probe's top concept "
           "can differ from it — most often at early layers, and on inputs the teacher finds "
           "hard." + (" Hop steps are the teacher's answer on each prefix of the chain."
                      if any(s.stage.startswith("hop") for s in t.steps) else ""))

named = [s for s in t.steps if s.input]
if named:
    st.subheader("Step by step: every sub-problem, teacher and student")
    sub_student = None
    if stu is not None and not stu.meta["pair_task"]:
        try:
            sub_student = stu.answer([s.input for s in named])
        except M2KTError as exc:
            show_error(exc)
    sub_rows = pd.DataFrame(sub_step_rows([s.model_dump() for s in t.steps], labels,
                                          sub_student))
    if sub_student is not None:
        st.caption(f"The student (alone) agrees with the teacher on "
                   f"{int(sub_rows['agree'].sum())} of {len(sub_rows)} steps of this trace.")
    else:
        st.caption("No student ingested from this packet yet: the teacher's values only.")
    st.dataframe(sub_rows, hide_index=True, width="stretch")
    st.caption("Each row is a sub-problem of the query, evaluated first: the teacher's answer "
               "on it (with its probability) crossed in the packet and is counted in the "
               "ledger; the student's answer is its own, read through its whole readout.")
