"""Packets: build one from a teacher, or open one — with the full report-all reader output."""

from __future__ import annotations

import streamlit as st

from app.packet_view import show_report
from app.widgets import page_header, show_error
from m2kt.config import workspace
from m2kt.domains.registry import task_names
from m2kt.errors import M2KTError
from m2kt.limits import MAX_PACKET_BYTES
from m2kt.store.db import open_db
from m2kt.store.queue import admit, save_packet_bytes

page_header(
    "Packets",
    "A knowledge packet is the teacher's signed summary of what it knows: concept manifolds, "
    "an abstraction graph, reasoning traces and provenance. Open one to see everything the "
    "reader checks (size, container, signature, trust, schema, semantics), or build one.",
)

tab_open, tab_build = st.tabs(["Open a packet", "Build a packet"])

with tab_open:
    up = st.file_uploader(f"A .m2kt file (at most {MAX_PACKET_BYTES // 2**20} MB)",
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
    st.caption("Builds with this workspace's workbench key (created and trusted on first use). "
               "Symbolic tasks take seconds; language tasks up to a minute on 2 cores.")
    with st.form("build"):
        names = task_names()  # the built-in tasks, then your domains (Domains page)
        task = st.selectbox("Task", names, index=names.index("multistep"),
                            help="Your own domains (Domains page) are listed after the "
                                 "built-in tasks; their teacher's head is trained on first use.")
        anchors = st.number_input("Anchors (unlabelled pool inputs whose teacher vectors "
                                  "cross; counted)", 0, 1024, 64, step=16)
        how = st.selectbox(
            "Anchor selection", ["kmeans", "random", "labels"],
            format_func={"kmeans": "the teacher picks them (k-means medoids; default)",
                         "random": "random pool inputs",
                         "labels": "concept labels first, then random inputs"}.get,
            help="Which unlabelled inputs become anchors. The count that crosses is the same; "
                 "the teacher's own pick measured best (docs/research-log.md).")
        go = st.form_submit_button("Build packet")
    if go:
        try:
            from m2kt.bench.m2kt_run import bench_key
            from m2kt.concepts.teacher import load_teacher
            from m2kt.domains.registry import get_task
            from m2kt.packet.build import build_packet
            from m2kt.packet.trust import next_sequence

            with st.status(f"Building the {task} packet…", expanded=True) as status:
                t = get_task(task)
                key = bench_key("workbench")
                conn = open_db(workspace())
                try:
                    seq = next_sequence(conn, key.keyid)
                finally:
                    conn.close()
                out = workspace().packets / f".build-{task}.m2kt"
                res = build_packet(t, key, out, seq, teacher=load_teacher(t),
                                   anchors=int(anchors), creator="workbench",
                                   anchor_selection=how,
                                   progress=lambda msg, frac=None: status.write(msg))
                data = out.read_bytes()
                out.unlink()
                path = save_packet_bytes(data)
                status.update(label=f"Built {res.size:,} bytes in {res.seconds:.1f} s",
                              state="complete")
            st.download_button("Download the packet", data, file_name=f"{task}.m2kt")
            st.caption(f"Also stored in the review queue as {path.name}.")
        except M2KTError as exc:
            show_error(exc)
