"""Home: what the workbench does and the state of the default models."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.state import get_job, set_job
from app.widgets import job_panel, page_header, show_error
from m2kt.concepts.words import DEFAULT_WORDS
from m2kt.demo import DEMO_MAX_INPUTS, DEMO_TASKS
from m2kt.errors import M2KTError
from m2kt.jobs import Job
from m2kt.models import list_models
from m2kt.render.escape import visible
from m2kt.render.gates import gate_rows
from m2kt.verify.gates import status_of
from m2kt.verify.gates import summary as gate_summary

page_header(
    "M2KT Workbench",
    "Model-to-Model Knowledge Transmission: a teacher network hands its understanding to a "
    "student as a signed knowledge packet — concepts, an abstraction graph, reasoning traces — "
    "instead of examples.",
)

st.markdown(
    """
**How a transfer works**

1. **Teacher → packet.** The teacher summarises where it puts each concept in its latent space
   (concept manifolds), how concepts relate (an abstraction graph it extracts itself) and how it
   reasons (step-wise traces), and signs the lot with its provenance.
2. **Review.** A person inspects the packet and approves or rejects it; the decision goes to an
   append-only audit log.
3. **Ingestion.** The student learns a Concept Alignment Layer with a composite loss
   (geometric, structural, reasoning, safety). No labels and no per-example teacher outputs
   cross — only the packet and a small, counted set of unlabelled anchors.
4. **Verification.** Gates check alignment quality, retention of the student's prior behaviour
   and held-out accuracy, each with its figure and threshold.

The engine (`python -m m2kt …`) does the work; this workbench lets you look at it.
"""
)

st.subheader("Guided demo")
st.caption(
    "Runs the whole pipeline on the default models (MiniLM-L6 teacher → MiniLM-L3 student): "
    "the teacher builds and signs a packet, the reader verifies it, the demo records its "
    "approval in the audit log (as an automatic approval by the demo), the student ingests it, "
    "and the gates verify the result. On 2 CPU cores supersense takes about 95 s the first "
    "time (WordNet, the models and the teacher's encodings are prepared once; "
    "`python -m m2kt prepare` does that ahead, with progress) and about 35 s after "
    "(docs/results/perf/); "
    f"multistep (tiny models) takes seconds. The demo's packet summarises {DEMO_MAX_INPUTS:,} "
    f"of the teacher's own inputs (`build-packet` and the benchmark: up to 20,000) and its "
    f"relative readout reads {DEFAULT_WORDS:,} public words, as theirs does.")
demo_task = st.selectbox(
    "Task", DEMO_TASKS,
    help="supersense: which of 26 noun categories a word belongs to (WordNet); gloss: the same "
         "from a definition sentence; hypernymy: is X a kind of Y — on the benchmark its "
         "teacher barely beats the student's start, so it cannot show a transfer; multistep: "
         "boolean chains (tiny models, seconds)")
demo = get_job("demo")
if st.button("Run the guided demo", type="primary", disabled=demo is not None and demo.active):
    def work(progress, cancel, on_step):
        from m2kt.demo import run_demo

        return run_demo(demo_task, 64, progress, cancel, on_step)

    set_job("demo", Job(f"demo {demo_task}").start(work))


def demo_card(j, snap: dict) -> None:
    if snap["state"] == "running":
        st.progress(snap["fraction"], text=f"{visible(snap['message'], 200)} · "
                                           f"{snap['seconds']:.0f} s since the start")
        if st.button("Cancel the demo"):
            j.cancel()
    elif snap["state"] == "done":
        r = snap["result"]
        with st.container(border=True):
            st.markdown(f"**Result: {r['task']}** — the new student answers alone")
            c = st.columns(4)
            c[0].metric("retention of the teacher", f"{r['retention']:.0%}"
                        if r["retention"] is not None else "—",
                        help=f"student's accuracy / teacher's, both on the held-out "
                             f"{r.get('split', 'dev')} split")
            c[1].metric(f"held-out ({r.get('split', 'dev')}) accuracy", f"{r['accuracy']:.3f}",
                        delta=f"{r['accuracy'] - (r['student_before'] or 0):+.3f} vs start")
            c[2].metric("inputs that crossed", r["ledger"]["crossing_inputs"],
                        help="anchors + trace queries whose teacher information reached the "
                             "student; KD would send every input it uses")
            post = [g for g in r["gates"] if g.get("stage") == "post"]
            pre = [g for g in r["gates"] if g.get("stage") != "post"]
            c[3].metric("post-ingestion gates", gate_summary([status_of(g) for g in post]),
                        help=f"as on Verification & Safety; before ingestion "
                             f"{gate_summary([status_of(g) for g in pre])} (integrity, "
                             "approval, blocked concepts)")
            st.dataframe(pd.DataFrame(gate_rows(r["gates"])), hide_index=True, width="stretch")
            st.caption(f"Packet {r['digest'][:16]}… ({r['packet_bytes']:,} bytes; the teacher "
                       f"processed {r.get('teacher_inputs') or 0:,} inputs) is in the "
                       f"review queue; the student is at {r['student_dir']}; "
                       f"{r['seconds']:.0f} s. Figures are read from the engine's "
                       "ingestion_report.json.")
    elif snap["state"] in ("failed", "cancelled"):
        show_error(snap["error"])


job_panel("demo", demo_card)

st.subheader("Models on this machine")
st.caption(
    "Builtins are embedded in pip packages and need no network. MiniLM-L3 is converted from "
    "ONNX into the workspace cache the first time it is loaded (a few seconds)."
)
try:
    rows = list_models()
except M2KTError as exc:
    show_error(exc)
else:
    df = pd.DataFrame(rows)
    cols = [c for c in ("name", "source", "available", "arch", "layers", "hidden_size",
                        "description") if c in df.columns]
    st.dataframe(df[cols], hide_index=True, width="stretch")

st.subheader("Where to go")
for page, label, icon in (
    ("views/models.py", "Models — load a teacher and a student, compare how they encode the "
     "same words", ":material/memory:"),
    ("views/manifolds.py", "Concept Manifolds — where each model puts each concept",
     ":material/scatter_plot:"),
    ("views/graph.py", "Abstraction Graph — the concept relations a packet carries",
     ":material/account_tree:"),
    ("views/traces.py", "Reasoning Traces — the teacher's step-wise path, and the student's",
     ":material/route:"),
    ("views/packets.py", "Packets — build one, or open one with every reader check",
     ":material/package_2:"),
    ("views/review.py", "Review & Approve — the human decision, into the audit log",
     ":material/fact_check:"),
    ("views/ingest.py", "Align & Ingest — train a student from an approved packet",
     ":material/model_training:"),
    ("views/verification.py", "Verification & Safety — gates and the poisoned-packet demo",
     ":material/verified_user:"),
    ("views/experiments.py", "Experiments — M2KT against knowledge distillation",
     ":material/science:"),
    ("views/audit.py", "Audit Log — every decision, hash-chained", ":material/history:"),
):
    st.page_link(page, label=label, icon=icon)
