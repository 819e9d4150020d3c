"""Home: what the workbench does and the state of the default models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app.state import get_job, set_job
from app.widgets import (
    gates_table,
    glossary_caption,
    inert_table,
    job_panel,
    page_header,
    show_error,
    verdict_box,
)
from m2kt.demo import DEMO_MAX_INPUTS, DEMO_TASKS
from m2kt.errors import M2KTError
from m2kt.jobs import Job
from m2kt.models import list_models
from m2kt.render.escape import md_inert, visible

ROOT = Path(__file__).resolve().parents[2]
#: measured times of the guided demo (``python scripts/bench_demo.py --json …``)
DEMO_TIMES = ROOT / "docs" / "results" / "perf" / "demo.json"


def demo_timing() -> str:
    """How long the demo took when measured, from the committed measurement (never a
    promise typed in): per task, cold (an empty workspace) and warm."""
    import json

    try:
        doc = json.loads(DEMO_TIMES.read_text())
    except (OSError, ValueError):
        return "Its time on this machine was not measured."
    tasks = doc.get("tasks") or {doc.get("task", "?"): doc}
    parts = [f"{t}: {r['cold']['wall_s']:.0f} s from an empty workspace, "
             f"{r['warm']['wall_s']:.0f} s warm" for t, r in tasks.items()
             if isinstance(r, dict) and "cold" in r]
    when = (doc.get("meta") or {}).get("date", "")[:10]
    return (f"Measured on {(doc.get('meta') or {}).get('cpus', '?')} CPU cores ({when}, "
            f"docs/results/perf/demo.json): " + "; ".join(parts) + "." if parts else
            "Its time on this machine was not measured.")


def benchmark_sentence(r: dict) -> str:
    """What the committed benchmark report says of the demo's task, labelled so."""
    b = r.get("benchmark")
    if not b:
        return "No committed benchmark report covers this task."
    valid = "" if b.get("valid") else " (the task is not valid there: it cannot show a transfer)"
    if b.get("kd_parity") is None:
        return (f"In the committed benchmark report ({b['report']}, {b['split']} split, "
                f"{b['seeds']} seeds){valid}: M2KT {b['m2kt']:.3f} with {b['crossing']:,} "
                "crossing strings; no KD arm gives parity.")
    red = b["reduction"]
    verdict = (f"{red:.0%} fewer strings than KD" if red >= 0 else
               f"{-red:.0%} more strings than KD")
    return (f"In the committed benchmark report ({b['report']}, {b['split']} split, "
            f"{b['seeds']} seeds){valid}: M2KT reaches {b['m2kt']:.3f} with "
            f"{b['crossing']:,} crossing strings; the strongest knowledge distillation needs "
            f"{b['kd_parity']:,.0f} for the same accuracy — M2KT uses {verdict}.")

page_header(
    "M2KT Workbench",
    "Model-to-Model Knowledge Transmission: a teacher network hands its understanding to a "
    "student as a signed knowledge packet — concepts, an abstraction graph, reasoning traces — "
    "instead of examples.",
)

st.markdown(
    """
**How a transfer works**

1. **Teacher → packet.** The teacher summarises where it puts each concept in its hidden space
   (concept manifolds), how concepts relate (an abstraction graph it extracts itself) and how it
   reasons (step-wise traces), and signs the lot with its provenance.
2. **Review.** A person inspects the packet and approves or rejects it; the decision goes to an
   append-only audit log.
3. **Ingestion.** The student learns a Concept Alignment Layer with a composite loss
   (geometric, structural, reasoning, safety). No label crosses. What does cross is counted,
   string by string: the student inputs the teacher read (anchors) and every string the packet
   carries teacher information for — the benchmark compares that count with distillation.
4. **Verification.** Gates check alignment quality, retention of the student's prior behaviour
   and held-out accuracy, each with its figure and threshold; one failed gate means "do not
   deploy".

The engine (`python -m m2kt …`) does the work; this workbench lets you look at it.
"""
)
glossary_caption("knowledge packet", "crossing strings", "gate", "retention", "parity")

st.subheader("Guided demo")
st.caption(
    "Runs the whole pipeline on the default models (MiniLM-L6 teacher → MiniLM-L3 student, or "
    "the tiny symbolic models): the teacher builds and signs the packet the default variant "
    "reads, the reader verifies it, the demo records its approval in the audit log (as an "
    "automatic approval by the demo), the student ingests it, and the gates verify the "
    "result. " + demo_timing() + f" The demo's packet summarises {DEMO_MAX_INPUTS:,} of the "
    "teacher's own inputs (`build-packet` and the benchmark: up to 20,000).")
demo_task = st.selectbox(
    "Task", DEMO_TASKS,
    help="supersense: which of 26 noun categories a word belongs to (WordNet); gloss: the same "
         "from a definition sentence; hypernymy: is X a kind of Y — its teacher barely beats "
         "the student's start, so it cannot show a transfer; multistep: boolean chains "
         "(tiny models)")
demo = get_job("demo")
if st.button("Run the guided demo", type="primary", disabled=demo is not None and demo.active,
             help="Progress is shown step by step below; you may leave the page and come back."):
    def work(progress, cancel, on_step):
        progress("starting: loading the engine", 0.0)
        from m2kt.demo import run_demo

        return run_demo(demo_task, None, progress, cancel, on_step)

    set_job("demo", Job(f"demo {demo_task}").start(work))


def demo_card(j, snap: dict) -> None:
    if snap["state"] == "running":
        st.progress(snap["fraction"], text=f"{visible(snap['message'], 200)} · "
                                           f"{snap['seconds']:.0f} s since the start")
        if st.button("Cancel the demo", help="Stops at the next step; the student is not written"):
            j.cancel()
    elif snap["state"] == "done":
        r = snap["result"]
        with st.container(border=True):
            st.markdown(f"**Result: {r['task']}** — the new student answers alone, on the "
                        f"held-out {r['split']} split")
            verdict_box(r["verdict"], "the demo's student")
            below = (r["accuracy"] is not None and r["student_before"] is not None
                     and r["accuracy"] < r["student_before"])
            if below:
                st.error(f"Below its start: {r['accuracy']:.3f} against the "
                         f"{r['student_before']:.3f} it answered before — not a result to "
                         "use.", icon=":material/trending_down:")
            c = st.columns(3)
            c[0].metric("held-out accuracy", f"{r['accuracy']:.3f}",
                        delta=f"{r['accuracy'] - (r['student_before'] or 0):+.3f} vs its start",
                        delta_color="normal" if r["verdict"]["deploy"] else "off",
                        help=f"start {r['student_before']}; the teacher's recorded "
                             f"{r['split']} accuracy {r['teacher_acc']}")
            c[1].metric("retention of the teacher", f"{r['retention']:.0%}"
                        if r["retention"] is not None else "—",
                        help="this accuracy divided by the teacher's recorded accuracy on the "
                             "same split")
            c[2].metric("strings that crossed", f"{r['ledger']['crossing_inputs']:,}",
                        help="every string for which per-string information passed between "
                             "the two sides (the ledger of BENCHMARK v3; Glossary)")
            st.markdown(benchmark_sentence(r))
            gates_table(r["gates"])
            led = r["ledger"]
            st.caption(
                f"What crossed: {led['to_teacher']:,} of the student's inputs read by the "
                f"teacher; teacher information on {led['task_strings']:,} strings; "
                f"{led['bytes']:,} bytes. The packet {r['digest'][:16]}… "
                f"({r['packet_bytes']:,} bytes) summarises {r.get('teacher_read') or 0:,} of "
                f"the teacher's own inputs; in all the teacher read {r['teacher_inputs']:,} "
                f"strings. It is in the review queue; the student is at "
                f"{md_inert(r['student_dir'], 200)}. {r['seconds']:.0f} s in all; the longest "
                f"wait between two progress messages: {r.get('longest_silence_s')} s. "
                "Accuracy, start, ledger and gates are read from the student's "
                "ingestion_report.json; retention divides that accuracy by the teacher's "
                "recorded accuracy; the benchmark line comes from the committed report.")
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
    cols = [c for c in ("name", "source", "layers", "hidden_size", "description")
            if c in df.columns]
    # a table that wraps: the descriptions are read in full (the Models page has the rest)
    inert_table(df[cols].astype(str).set_index("name"))

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
