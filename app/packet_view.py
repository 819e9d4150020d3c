"""Render a report-all reading of a packet. Every packet string goes through ``visible`` into
``st.text`` or a dataframe cell: nothing from a packet is rendered as HTML or Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from m2kt.packet.inspect import summarize
from m2kt.packet.reader import ReadReport
from m2kt.render.escape import visible


def show_report(rep: ReadReport, size: int) -> None:
    """Verdict, every issue found, and what could be read (provenance, concepts, graph)."""
    if rep.ok:
        st.success(f"Verifies: digest {visible(rep.digest, 80)}, signed by key "
                   f"{visible(rep.keyid, 40)}.", icon=":material/verified:")
    else:
        st.error(f"Does not verify: {len(rep.issues)} problem(s) found.",
                 icon=":material/gpp_bad:")
    for i in rep.issues[:20]:
        st.text(f"[{visible(i.stage, 40)}] {visible(i.error, 60)}: {visible(i.message, 400)}")
    if len(rep.issues) > 20:
        st.text(f"… and {len(rep.issues) - 20} more")
    if rep.manifest is None:
        return
    s = summarize(rep, size, reference=rep.ok)
    prov = s["provenance"]
    facts = {
        "teacher": prov["teacher"]["name"], "teacher weights SHA-256":
        prov["teacher"]["weights_sha256"], "task": prov["domain"]["task"],
        "creator": prov["creator"], "created": prov["created_at"], "sequence":
        prov["sequence"], "concepts": s["concepts"], "labels": s["labels"],
        "teacher inputs": prov["counts"]["teacher_inputs"], "anchors (crossing)":
        prov["counts"]["anchor_inputs"], "file bytes": size}
    st.dataframe(pd.DataFrame({"value": [visible(v, 120) for v in facts.values()]},
                              index=list(facts)), width="stretch",
                 height=36 * (len(facts) + 1) + 4)
    st.caption("Concepts (labels and descriptions as written in the packet, shown as plain "
               "text)")
    st.dataframe(pd.DataFrame([{"id": visible(c.id, 80), "label": visible(c.label, 80),
                                "kind": visible(c.kind, 40), "members": c.members,
                                "description": visible(c.description, 200)}
                               for c in rep.manifest.concepts]),
                 hide_index=True, width="stretch", height=240)
    if "graph" in s:
        g = s["graph"]
        ref = g.get("reference") or {}
        st.text(f"Abstraction graph: {g['nodes']} nodes, {g['edges']} edges "
                f"({visible(g['by_type'], 200)}); method: {visible(g['method'], 200)}")
        if ref:
            st.text(f"Against the domain's reference: {visible(ref, 300)}")
        t = s["traces"]
        st.text(f"Reasoning traces: {t['count']} traces, {t['steps']} steps; method: "
                f"{visible(t['method'], 200)}")
