"""Audit Log: every decision, and a walk of the hash chain."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.widgets import page_header
from m2kt.config import workspace
from m2kt.render.escape import visible
from m2kt.store import audit
from m2kt.store.db import open_db

page_header(
    "Audit Log",
    "Every approval, rejection and ingestion, in order. Each entry stores the hash of the one "
    "before it, so editing or deleting any row out of band breaks the chain; the database "
    "itself refuses UPDATE and DELETE.",
)

conn = open_db(workspace())
try:
    ok, broken, n = audit.verify_chain(conn)
    rows = audit.entries(conn)
finally:
    conn.close()
if ok:
    st.success(f"Chain verified: {n} entries, every hash links to the one before.",
               icon=":material/link:")
else:
    st.error(f"Chain broken at entry {broken} (checked {n}): an entry was changed or removed "
             "outside the application.", icon=":material/link_off:")
if not rows:
    st.info("No decisions yet. Approve or reject a packet on the Review & Approve page.")
else:
    st.dataframe(pd.DataFrame([{"id": e.id, "when": e.created_at, "action": e.action,
                                "packet": e.packet_digest[:16] + "…",
                                "reviewer": visible(e.reviewer, 60),
                                "reason": visible(e.reason, 300), "hash": e.hash[:16] + "…"}
                               for e in reversed(rows)]),
                 hide_index=True, width="stretch")
