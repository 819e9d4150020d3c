"""Align & Ingest: turn an approved packet into a new student — a background job with a
progress bar, live per-term loss curves and a cancel button; the page never blocks."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from app.packet_view import claimed, packet_label
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
from m2kt.config import workspace
from m2kt.domains.files import MAX_DOMAIN_FILE_BYTES
from m2kt.errors import M2KTError
from m2kt.ingest.variants import DEFAULT_VARIANT, PUBLIC, VARIANTS
from m2kt.ingest.weights import TERMS
from m2kt.jobs import Job
from m2kt.packet.reader import open_packet
from m2kt.packet.trust import load_store
from m2kt.render.escape import visible
from m2kt.render.losses import loss_curves
from m2kt.render.stages import plan_rows, stage_rows
from m2kt.store import audit
from m2kt.store.db import open_db
from m2kt.store.queue import queued
from m2kt.verify.gates import pre_gates
from m2kt.verify.policy import load_policy
from m2kt.verify.verdict import verdict

page_header(
    "Align & Ingest",
    "The student learns a Concept Alignment Layer (student → teacher space) from the packet, "
    "trained with the composite loss: geometric (anchors land on their teacher vectors and "
    "answers), structural (the graph's relations hold; off by default — it moved no task on "
    "dev), reasoning (the teacher's traces), safety (no drift of protected behaviour, bounded "
    "CAL). On the symbolic track the default variant also trains without the geometric term and "
    "then adapts the tiny student's backbone through the frozen CAL and packet readout (SHOT). "
    "The result is a new student that answers alone.",
)
glossary_caption("CAL (Concept Alignment Layer)", "composite loss", "ingestion", "variant",
                 "transductive refinement", "SHOT", "gate")

def upload_file(up, kind: str):
    """An uploaded student-side file saved under the workspace (named by its SHA-256), so the
    background job reads it by path; it is checked when the job reads it."""
    import hashlib

    data = up.getvalue()
    folder = workspace().root / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{hashlib.sha256(data).hexdigest()[:16]}.jsonl"
    if not path.exists():
        path.write_bytes(data)
    return path


conn = open_db(workspace())
try:
    approved = [p for p in queued() if (d := audit.decision(conn, p.stem)) is not None
                and d.action == "approved"]
finally:
    conn.close()

job: Job | None = get_job("ingest")
if not approved and job is None:
    st.info("No approved packet yet. Approve one on the Review & Approve page first.")
    st.stop()

c1, c2 = st.columns(2)  # outside the form: the weights below follow packet and variant
choice = c1.selectbox("Approved packet", range(len(approved)),
                      format_func=lambda i: packet_label(approved[i]),
                      help="task · teacher · created, as the packet claims (it is verified "
                           "again when the ingestion starts)")
# the product's variants; those that read an atlas are run from the command line
# (`ingest --atlas FILE`), and research variants from the research log's commands
offered = [v for v in PUBLIC if not VARIANTS[v].uses_atlas]
variant = c2.selectbox(
    "Method variant", offered, index=offered.index(DEFAULT_VARIANT),
    help="; ".join(f"{k}: {PUBLIC[k]}" for k in offered))
st.caption(f"{variant}: {PUBLIC[variant]}. Variants that read a teacher's atlas (zero task "
           "strings) run from the command line: `python -m m2kt ingest FILE --variant "
           "atlas-prior --atlas ATLAS`.")
track = claimed(approved[choice])["track"] if approved else "language"

with st.form("ingest"):
    m1, m2 = st.columns(2)
    method = m1.selectbox("Initial map", ["auto", "procrustes", "ridge", "cal"],
                          help="auto: chosen by cross-validation on the packet's anchors")
    steps = m2.number_input("Steps", 10, 2000, 200, step=10)
    st.caption(f"Loss weights λ — {variant}'s on the {track} track (0 switches a term off)")
    w = st.columns(4)
    lam = VARIANTS[variant].weights(track)  # the engine's own defaults, one source
    weights = {t: w[i].number_input(t, 0.0, 10.0, float(lam[t]), step=0.05, format="%.2f",
                                    key=f"lam-{t}-{variant}-{track}")
               for i, t in enumerate(TERMS)}
    u1, u2 = st.columns(2)
    inputs_up = u1.file_uploader(
        "The student's own unlabelled texts (one per line, or JSONL with \"text\")",
        type=["txt", "jsonl"], key="ingest_inputs", max_upload_size=MAX_DOMAIN_FILE_BYTES // 2**20,
        help="Required for a packet of your own domain: the packet carries the concepts, the "
             "student brings its texts. Optional for a built-in task (default: its pool).")
    eval_up = u2.file_uploader(
        "Labelled examples to score the new student on (optional JSONL {\"text\", "
        "\"concept\"})", type=["jsonl"], key="ingest_eval",
        max_upload_size=MAX_DOMAIN_FILE_BYTES // 2**20,
        help="Read only after every weight is fixed. Default: a built-in task's dev split; "
             "none for your own domain (the held-out gate is then not applicable).")
    force = st.checkbox(
        "Ingest even if the checks before training say it cannot help",
        help="Before any training step ingestion stops when the student side has too few "
             "texts of its own, or when the student already answers your labelled examples "
             "as well as the teacher; tick this to go on anyway (the report records why it "
             "would have stopped).")
    start = st.form_submit_button("Start ingestion", type="primary",
                                  help="Verifies the packet again, then runs in the background",
                                  disabled=job is not None and job.active)

with st.expander(f"What {variant} does, stage by stage"):
    st.caption(f"{VARIANTS[variant].description}. The stages it runs, in order; the "
               "finished job shows each stage's time and figures.")
    # a static table: every description wraps in full (our own text, never packet text)
    inert_table(pd.DataFrame(plan_rows(VARIANTS[variant].stages)).set_index("stage"))

if start and approved:
    path = approved[choice]
    conn = open_db(workspace())
    try:
        packet = open_packet(path.read_bytes(), load_store(), conn, record=False)
        gates = pre_gates(packet, conn, load_policy())
    except M2KTError as exc:
        show_error(exc)
        st.stop()
    finally:
        conn.close()
    if any(g.failed for g in gates):
        st.error("A pre-ingestion gate failed: " + ", ".join(g.name for g in gates
                                                             if g.failed))
        st.stop()
    out = workspace().students / f"{packet.manifest.provenance.domain.task}-" \
        f"{packet.digest[:8]}-{time.strftime('%Y%m%d-%H%M%S')}"
    files = {k: upload_file(u, k) for k, u in (("inputs", inputs_up), ("eval", eval_up))
             if u is not None}
    try:  # the student's files are checked now, so a bad one is one message, not a failed job
        from m2kt.ingest.student_side import student_files

        student_files(packet, files.get("inputs"), files.get("eval"))
    except M2KTError as exc:
        show_error(exc)
        st.stop()

    def work(progress, cancel, on_step):
        from m2kt.ingest.trainer import ingest

        res = ingest(packet, out, variant=variant, method=method, steps=int(steps),
                     weights=weights, progress=progress, cancel=cancel, on_step=on_step,
                     inputs=files.get("inputs"), eval_examples=files.get("eval"), force=force,
                     pre_gates=gates)
        conn = open_db(workspace())
        try:
            audit.record_ingestion(conn, packet.digest, "workbench (Align & Ingest)", out,
                                   [g.status for g in res.gates])
        finally:
            conn.close()
        return res

    job = Job(f"ingest {packet.digest[:8]}").start(work)
    st.session_state["ingest_weights"] = weights  # the live caption names the terms off
    set_job("ingest", job)


def live(j, snap: dict) -> None:
    """The ingestion job's progress, loss curves and result (polled by ``job_panel``)."""
    from m2kt.ingest.preflight import PreflightStop

    state = snap["state"]
    if state == "failed" and isinstance(snap.get("error"), PreflightStop):
        state = "stopped before training"  # a check said it cannot help: nothing ran
    st.subheader(f"Job: {j.name} — {state}")
    if snap["state"] == "running":
        st.progress(snap["fraction"], text=visible(snap["message"], 200))
    if snap["steps"]:
        st.plotly_chart(loss_curves(snap["steps"]), width="stretch")
        off = [t for t, v in st.session_state.get("ingest_weights", {}).items() if v == 0]
        st.caption("Each term is plotted unweighted; a term whose λ is 0 is logged but not "
                   f"trained on{' (here: ' + ', '.join(off) + ')' if off else ''}.")
    if snap["state"] == "running":
        if st.button("Cancel", key="cancel_job",
                     help="Stops at the next step; nothing is written"):
            j.cancel()
    elif snap["state"] == "done":
        r = snap["result"]
        verdict_box(verdict(r.gates), "this student")
        below = (r.accuracy is not None and r.student_before is not None
                 and r.accuracy < r.student_before)
        if below:
            st.error(f"The new student answers {r.accuracy:.3f}, BELOW the {r.student_before:.3f} "
                     "it answered before ingestion: it is worse than the student you started "
                     "from and is not offered as the result. Keep the original.",
                     icon=":material/trending_down:")
        acc = ("not measured (no labelled examples)" if r.accuracy is None
               else f"{r.accuracy:.3f} on {r.extra.get('eval_split')}")
        led = r.ledger
        st.text(f"Student written to {visible(str(r.out_dir), 200)} in {snap['seconds']:.0f} s. "
                f"Held-out accuracy {acc} (student's start "
                f"{'—' if r.student_before is None else f'{r.student_before:.3f}'}). Crossed: "
                f"{led.crossing_inputs:,} strings ({led.to_teacher:,} of the student's read by "
                f"the teacher; teacher information on {led.task_strings:,}), "
                f"{led.bytes:,} bytes.")
        gates_table([g.as_dict() for g in r.gates])
        if r.extra.get("stages"):
            st.caption(f"The stages of {r.extra['variant']}, in order:")
            # a static table: long figure lists wrap instead of being cut at the column's edge
            inert_table(pd.DataFrame(stage_rows(r.extra["stages"])).set_index("stage"))
    elif snap["state"] == "cancelled":
        st.warning("Ingestion cancelled; nothing was written.")
    elif snap["state"] == "failed":
        show_error(snap["error"])


job_panel("ingest", live)
