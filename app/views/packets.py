"""Packets: build one from a teacher, or open one — with the full report-all reader output."""

from __future__ import annotations

import streamlit as st

from app.packet_view import show_report
from app.state import get_job, set_job
from app.widgets import glossary_caption, job_panel, page_header, show_error
from m2kt.bench.run import packet_words
from m2kt.config import workspace
from m2kt.domains.registry import get_task, task_names
from m2kt.errors import M2KTError
from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant
from m2kt.jobs import Job
from m2kt.limits import MAX_PACKET_BYTES
from m2kt.packet.build import default_anchors
from m2kt.render.escape import visible
from m2kt.store.db import open_db
from m2kt.store.queue import admit, save_packet_bytes

#: anchor selections a person picks from, in words
SELECTIONS = {"student-kmeans": "the student picks them (k-means of its own vectors)",
              "random": "a random sample of the student's texts",
              "kmeans": "the teacher picks them (it reads the whole pool: counted)",
              "labels": "the concept labels first, then random texts"}

page_header(
    "Packets",
    "A knowledge packet is the teacher's signed summary of what it knows: concept manifolds, "
    "an abstraction graph, reasoning traces and provenance. Open one to see everything the "
    "reader checks (size, container, signature, trust, schema, semantics), or build one.",
)
glossary_caption("knowledge packet", "anchors", "relative readout", "public words",
                 "crossing strings", "atlas", "provenance")

tab_open, tab_build, tab_atlas = st.tabs(["Open a packet", "Build a packet", "Atlases"])

with tab_open:
    up = st.file_uploader(f"A .m2kt file (at most {MAX_PACKET_BYTES // 2**20} MB)",
                          help="Checked by the reader in report-all mode; stored in the review "
                               "queue only when it parses",
                          type=["m2kt"], key="packet_upload",
                          max_upload_size=MAX_PACKET_BYTES // 2**20)
    if up is not None:
        try:
            data = up.getvalue()
            rep, path = admit(data)  # stored only when it parses
        except M2KTError as exc:
            show_error(exc)
        else:
            if path is None:
                st.error("Not stored: the reader cannot parse this file as a packet (see its "
                         "report below). Nothing was added to the review queue.",
                         icon=":material/block:")
            else:
                st.caption(f"Stored in the review queue as {path.name}; approve or reject it "
                           "on the Review & Approve page.")
            show_report(rep, len(data))

with tab_build:
    st.caption("Builds with this workspace's workbench key (created and trusted on first use) "
               "the packet the default ingestion variant reads; the build runs in the "
               "background with its progress below.")
    names = task_names()  # the built-in tasks, then your domains (Domains page)
    task = st.selectbox("Task", names, index=names.index("multistep"),
                        help="Your own domains (Domains page) are listed after the built-in "
                             "tasks; their teacher's head is trained on first use.")
    try:
        t = get_task(task)
    except M2KTError as exc:
        show_error(exc)
        st.stop()
    var = get_variant(DEFAULT_VARIANT)
    pool = len(t.splits["transfer_pool"])
    with st.form("build"):
        b1, b2, b3 = st.columns(3)
        anchors = b1.number_input(
            "Anchors", 0, pool, default_anchors(t), step=1,
            help=f"How many of the student side's unlabelled texts are sent to the teacher, "
                 f"whose vectors of them travel in the packet (counted as crossing). This "
                 f"domain's student side has {pool:,} texts; the default is "
                 f"{default_anchors(t)} (64, or half of them when fewer).")
        how = b2.selectbox(
            "Anchor selection", list(SELECTIONS),
            index=list(SELECTIONS).index(var.anchor_selection), format_func=SELECTIONS.get,
            help="Who picks the anchors. When the teacher picks them it reads the student's "
                 "whole pool, and every one of those texts counts as crossing.")
        words = b3.number_input(
            "Public words", 0, 20_000, packet_words(t, var), step=1000,
            help="Words of a public vocabulary (minus the teacher's own training words) that "
                 "the relative readout reads; each one counts as a crossing string. Class "
                 "tasks of the language track only.",
            disabled=t.track != "language" or t.name in ("hypernymy",))
        go = st.form_submit_button("Build packet", type="primary",
                                   help="Builds and signs it in the background; it then waits "
                                        "in the review queue")
    build = get_job("build")
    if go and not (build is not None and build.active):
        def work(progress, cancel, on_step, t=t, anchors=int(anchors), how=how,
                 words=int(words)):
            from m2kt.bench.m2kt_run import bench_key
            from m2kt.concepts.teacher import load_teacher
            from m2kt.packet.build import build_packet
            from m2kt.packet.trust import next_sequence

            key = bench_key("workbench")
            conn = open_db(workspace())
            try:
                seq = next_sequence(conn, key.keyid)
            finally:
                conn.close()
            out = workspace().packets / f".build-{t.name}.m2kt"
            res = build_packet(t, key, out, seq, teacher=load_teacher(t, progress=progress),
                               anchors=anchors, creator="workbench", anchor_selection=how,
                               relative_words=words if t.track == "language" else 0,
                               progress=progress)
            data = out.read_bytes()
            out.unlink()
            return {"task": t.name, "size": res.size, "seconds": res.seconds,
                    "path": save_packet_bytes(data), "data": data}

        set_job("build", Job(f"build {task}").start(work))

    def build_card(j, snap: dict) -> None:
        if snap["state"] == "running":
            st.progress(snap["fraction"], text=f"{visible(snap['message'], 200)} · "
                                               f"{snap['seconds']:.0f} s")
        elif snap["state"] == "done":
            r = snap["result"]
            st.success(f"Built the {r['task']} packet: {r['size']:,} bytes in "
                       f"{r['seconds']:.1f} s. It is in the review queue as "
                       f"{r['path'].name}: approve or reject it on Review & Approve.",
                       icon=":material/check_circle:")
            st.download_button("Download the packet", r["data"], file_name=f"{r['task']}.m2kt")
        elif snap["state"] in ("failed", "cancelled"):
            show_error(snap["error"])

    job_panel("build", build_card)

with tab_atlas:
    import pandas as pd

    from app.packet_view import verified_queue
    from app.widgets import inert_table
    from m2kt.atlas import read_atlas
    from m2kt.packet.trust import load_store
    from m2kt.packet.writer import write_atomic
    from m2kt.render.atlas import carry_rows
    from m2kt.render.escape import md_inert

    st.caption("An atlas is a teacher's signed vectors of public strings, chosen without any "
               "task and built once (`python -m m2kt build-atlas`). A task packet that leans on "
               "it carries no anchor, trace or reference string: below, what the atlas carries "
               "once per teacher beside what each packet naming it carries per task.")
    folder = workspace().root / "atlases"
    up_atlas = st.file_uploader("Add an atlas (.m2kt-atlas)", type=["m2kt-atlas"],
                                key="atlas_upload", max_upload_size=MAX_PACKET_BYTES // 2**20,
                                help="Checked (signature, trust, digests, shapes) before it "
                                     "is kept in this workspace")
    if up_atlas is not None:
        try:
            a = read_atlas(up_atlas.getvalue(), load_store())
        except M2KTError as exc:
            show_error(exc)
        else:
            write_atomic(folder / f"{a.digest[:16]}.m2kt-atlas", up_atlas.getvalue())
            st.caption(f"Kept in this workspace as {a.digest[:16]}.m2kt-atlas.")
    files = sorted(folder.glob("*.m2kt-atlas")) if folder.is_dir() else []
    if not files:
        st.info("No atlas in this workspace yet: build one with `python -m m2kt build-atlas "
                "--teacher minilm-l6 --key KEY --out FILE` and add it above (the benchmark's "
                "atlas variants also keep theirs here).", icon=":material/info:")
    else:
        pick = st.selectbox("Atlas", files, format_func=lambda f: f.name)
        try:
            a = read_atlas(pick, load_store())
        except M2KTError as exc:
            show_error(exc)
        else:
            # the atlas's texts are data from a file: shown inert, never as Markdown
            st.markdown(f"Teacher {md_inert(visible(a.teacher.name, 80))}: {len(a.strings):,} "
                        f"strings × {a.vectors.shape[1]} dimensions, {a.size:,} bytes; "
                        f"signed by `{a.keyid}`; digest `{a.digest[:16]}…`")
            st.caption("First strings: " + md_inert(", ".join(visible(x, 40)
                                                                for x in a.strings[:12])))
            rows = carry_rows(a, verified_queue())
            inert_table(pd.DataFrame(rows).set_index("what"))
            if len(rows) == 1:
                st.caption("No packet in the review queue names this atlas yet "
                           "(`build-packet --atlas FILE`).")
            else:
                st.caption("Atlas strings are counted once for every task of this teacher; "
                           "task strings once per task. Over T tasks an ingestion crosses the "
                           "atlas once plus each packet's task strings.")
