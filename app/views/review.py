"""Review & Approve: the queue, a packet's full reading, and the decision — into the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth import signed_in_reviewer
from app.packet_view import claimed, show_report
from app.widgets import page_header, show_error
from m2kt.config import workspace
from m2kt.errors import M2KTError
from m2kt.packet.reader import open_packet, report_packet
from m2kt.packet.trust import load_store
from m2kt.render.escape import visible
from m2kt.store import audit
from m2kt.store.db import open_db
from m2kt.store.queue import queued

page_header(
    "Review & Approve",
    "A packet is ingested only after a person approves it. Read what it claims (provenance, "
    "concepts, graph, traces) and whether it verifies, then approve or reject it with your "
    "name and a reason. Decisions go to the append-only, hash-chained audit log; a packet "
    "that does not verify cannot be approved.",
)

if "review_done" in st.session_state:  # the decision of the previous run, now in the table
    st.success(st.session_state.pop("review_done"), icon=":material/check_circle:")

paths = queued()
if not paths:
    st.info("The review queue is empty. Open or build a packet on the Packets page, or copy "
            "a .m2kt file into the workspace's packets/ folder.")
    st.stop()

conn = open_db(workspace())
try:
    rows = []
    for p in paths:
        d = audit.decision(conn, p.stem)
        rows.append({**claimed(p),  # what the packet claims; verified below when chosen
                     "status": d.action if d else "pending",
                     "by": visible(d.reviewer, 60) if d else "",
                     "packet": p.stem[:12] + "…", "bytes": p.stat().st_size})
    st.caption("The queue, newest first (task, teacher, creator and date as each packet claims "
               "them; the chosen packet is verified below).")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    pending = [i for i, r in enumerate(rows) if r["status"] == "pending"
               and r["task"] != "(unreadable)"]
    choice = st.selectbox(
        "Packet to review", range(len(paths)),
        help="Pending packets first; the chosen one is verified again below",
        index=pending[0] if pending else 0,
        format_func=lambda i: f"{rows[i]['task']} · {rows[i]['teacher']} · {rows[i]['created']}"
                              f" — {rows[i]['status']} ({rows[i]['packet']})")
    path = paths[choice]
    data = path.read_bytes()
    rep = report_packet(data, load_store(), conn)
    show_report(rep, len(data))
    digest = rep.digest or path.stem
    seen = audit.decision(conn, digest)  # what this reviewer sees; the decision must match it
    st.session_state[f"seen_{digest}"] = st.session_state.get(f"seen_{digest}",
                                                              seen.id if seen else None)
    history = audit.entries(conn, digest)
    if history:
        st.caption("History of this packet")
        st.dataframe(pd.DataFrame([{"when": e.created_at, "action": e.action,
                                    "reviewer": visible(e.reviewer, 60),
                                    "reason": visible(e.reason, 200)} for e in history]),
                     hide_index=True, width="stretch")
finally:
    conn.close()

conn = open_db(workspace())
try:
    who, mode = signed_in_reviewer(conn)
finally:
    conn.close()
may_decide = mode == "single-user" or who is not None
decided = seen is not None  # a decision is final (audit.decide refuses a second one)
if decided:
    st.info(f"This packet was {seen.action} by {visible(seen.reviewer, 60)} on "
            f"{seen.created_at[:16].replace('T', ' ')} (audit entry {seen.id}). A decision is "
            "final: it cannot be approved or rejected again.", icon=":material/lock:")
with st.form("decide"):
    if mode == "single-user":
        reviewer = st.text_input("Reviewer", max_chars=120,
                                 help="Your name, as the audit log will record it")
    else:
        reviewer = who or ""
    reason = st.text_area("Reason", max_chars=2000,
                           help="Why you approve or reject it; recorded with the decision")
    c1, c2 = st.columns(2)
    approve = c1.form_submit_button("Approve", type="primary",
                                    disabled=decided or not (rep.ok and may_decide))
    reject = c2.form_submit_button("Reject", disabled=decided or not may_decide)
if not rep.ok and not decided:
    st.caption("Approve is disabled: this packet does not verify (see the problems above).")
if (approve or reject) and not may_decide:
    st.error("Sign in first: only a signed-in reviewer may approve or reject.")
elif approve or reject:
    if not reviewer.strip() or not reason.strip():
        st.error("A decision needs the reviewer's name and a reason.")
    else:
        conn = open_db(workspace())
        try:
            seen_id = st.session_state.pop(f"seen_{digest}", None)
            if approve:  # re-verify at the moment of approval, never trust the earlier reading
                p = open_packet(data, load_store(), conn)
                e = audit.decide(conn, p.digest, "approved", reviewer, reason, seen_id)
            else:
                e = audit.decide(conn, digest, "rejected", reviewer, reason, seen_id)
        except M2KTError as exc:
            show_error(exc)
        else:
            st.session_state["review_done"] = (f"{e.action} by {visible(e.reviewer, 60)} "
                                               f"(audit entry {e.id}).")
        finally:
            conn.close()
        if "review_done" in st.session_state:
            st.rerun()  # the queue table above shows the new status
