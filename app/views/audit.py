"""Audit Log: every decision, and a walk of the hash chain."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.widgets import inert_table, page_header
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
    table = [{"id": e.id, "when": e.created_at.replace("T", " ")[:19], "action": e.action,
              "packet": e.packet_digest[:12] + "…", "by": visible(e.reviewer, 60),
              "reason": visible(e.reason, 600), "hash": e.hash[:12] + "…"}
             for e in reversed(rows)]
    newest = 30
    st.caption(f"The newest {min(newest, len(table))} of {len(table)} entries, every reason in "
               "full:")
    inert_table(pd.DataFrame(table[:newest]).set_index("id"))
    if len(table) > newest:
        with st.expander(f"All {len(table)} entries (a searchable table; hover a reason to "
                         "read it whole)"):
            st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
