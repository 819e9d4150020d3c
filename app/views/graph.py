"""Abstraction Graph: the concept relations the teacher extracted, against the reference."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.packet_view import verified_queue
from app.widgets import glossary_caption, page_header, show_error
from m2kt.errors import M2KTError
from m2kt.render.escape import visible
from m2kt.render.graph import plotly_graph, pyvis_html, to_networkx

page_header(
    "Abstraction Graph",
    "How the teacher relates its concepts, as a packet carries them. On a pair task: is_a, from "
    "the teacher's own answers to containment probes (A is_a B when it says 'yes, a B' for "
    "most inputs of A and not the other way round). On a class task: related_to, by readout "
    "confusion — for each concept, the three other concepts the teacher's own readout gives "
    "most probability to on the inputs it puts in that concept (older packets: the nearest "
    "concept centroids). The method of the packet shown is written under its figures. Where "
    "the domain has a reference (the WordNet hierarchy, the hidden taxonomy), edges it "
    "contains are solid and the others dashed, with precision and recall; the reference only "
    "scores, it never enters a packet.",
)
glossary_caption("abstraction graph", "readout confusion", "concept")

PYVIS_CAP = 300

valid = verified_queue()
if not valid:
    st.info("No verified packet in the review queue. Build or open one on the Packets page.")
    st.stop()

i = st.selectbox("Packet", range(len(valid)),
                 index=max(range(len(valid)), key=lambda k: len(valid[k].graph.edges)),
                 help="The packet with the largest graph is shown first.",
                 format_func=lambda k: (
    f"{visible(valid[k].manifest.provenance.domain.task, 30)} — {valid[k].digest[:12]}… "
    f"({len(valid[k].graph.edges)} edges)"))
pk = valid[i]
labels = {c.id: c.label for c in pk.manifest.concepts}
g = to_networkx(list(pk.graph.nodes), [e.model_dump() for e in pk.graph.edges])
task_name = pk.manifest.provenance.domain.task
reference = None
try:
    from m2kt.domains.registry import get_task, task_names

    if task_name in task_names():  # a built-in task, or your domain of this workspace
        reference = get_task(task_name, seed=pk.manifest.provenance.domain.seed).reference
except M2KTError as exc:
    show_error(exc)

c = st.columns(3)
c[0].metric("concepts", g.number_of_nodes())
c[1].metric("edges in the packet", g.number_of_edges(),
            help="as carried: directed (a related_to edge goes from a concept to one the "
                 "teacher confuses it with, so a pair can appear once or twice)")
c[2].metric("isolated concepts", sum(1 for n in g.nodes if g.degree(n) == 0))
st.markdown("**How this packet's graph was extracted** (the packet's own words, as plain "
            "text):")
st.text(visible(pk.graph.method, 400))
if reference is not None:
    from m2kt.graph.compare import score_graph

    scores = score_graph([e.model_dump() for e in pk.graph.edges], reference)
    st.dataframe(pd.DataFrame([{"edges": k, **{m: (round(v, 3) if isinstance(v, float) else v)
                                               for m, v in s.items()}}
                               for k, s in scores.items()]), hide_index=True, width="stretch")
    st.caption("Scored against the domain's reference: predicted = distinct edges of that "
               "type (related_to without direction, so both directions count once), matched = "
               "those the reference contains; precision = matched / predicted, recall = "
               "matched / reference.")

view = st.radio("View", ["interactive (pyvis)", "static (plotly)"], horizontal=True,
                index=0 if g.number_of_nodes() <= PYVIS_CAP else 1,
                help=f"The interactive view freezes its physics past 150 nodes; above "
                     f"{PYVIS_CAP} nodes the static view is the default.")
if view.startswith("interactive"):
    st.iframe(pyvis_html(g, labels, reference), height=580)
else:
    st.plotly_chart(plotly_graph(g, labels, reference, title=task_name), width="stretch")

st.subheader("A concept's neighbourhood")
nodes = sorted(g.nodes)
node = st.selectbox("Concept", nodes,
                    index=max(range(len(nodes)), key=lambda k: (g.degree(nodes[k]), -k))
                    if nodes else 0,
                    help="Opens on the concept with the most edges.",
                    format_func=lambda n: visible(
    f"{labels.get(n, n)} ({n})", 80))
rows = [{"direction": "out", "type": d["type"], "other": visible(labels.get(b, b), 60),
         "weight": round(d["weight"], 3)} for _, b, d in g.out_edges(node, data=True)]
rows += [{"direction": "in", "type": d["type"], "other": visible(labels.get(a, a), 60),
          "weight": round(d["weight"], 3)} for a, _, d in g.in_edges(node, data=True)]
st.dataframe(pd.DataFrame(rows or [{"direction": "", "type": "no edges", "other": "",
                                    "weight": 0.0}]), hide_index=True, width="stretch")
if st.button("Show this concept in Concept Manifolds",
             help="Opens Concept Manifolds on this task with this concept highlighted"):
    st.session_state["manifold_task"] = task_name  # the page opens on this task,
    st.session_state["manifold_concept"] = (node, labels.get(node, node))  # this concept shown
    st.switch_page("views/manifolds.py")
