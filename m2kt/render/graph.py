"""Abstraction-graph views (pure functions; no Streamlit).

- :func:`pyvis_html`: an interactive vis.js network as one HTML string; every label and title
  passes through :func:`~m2kt.render.escape.inert`, and physics is switched off (a frozen
  layout computed here) past ``physics_cap`` nodes so large graphs stay responsive.
- :func:`plotly_graph`: a static-layout plotly figure for any size (WebGL markers).
Edge colour by type; edges also in the reference graph (when given) drawn solid, the others
dashed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from m2kt.render.escape import inert

EDGE_COLOURS = {"is_a": "#4c72b0", "part_of": "#55a868", "related_to": "#8c8c8c",
                "implies": "#c44e52"}


def to_networkx(nodes: Sequence[str], edges: Sequence[dict]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    for e in edges:
        g.add_edge(e["source"], e["target"], type=e["type"], weight=float(e["weight"]))
    return g


def layout(g: nx.DiGraph, seed: int = 0) -> dict[str, np.ndarray]:
    """Deterministic 2-D positions: an is-a hierarchy (a DAG with edges) in layers — general
    concepts on top, each layer spread evenly — anything else by a spring layout on the
    undirected graph."""
    if g.number_of_nodes() == 0:
        return {}
    if g.number_of_edges() and nx.is_directed_acyclic_graph(g):
        # edges point child → parent (A is_a B): generations of the reversed graph start at
        # the roots
        pos = {}
        for depth, layer in enumerate(nx.topological_generations(g.reverse(copy=False))):
            layer = sorted(layer)
            for i, n in enumerate(layer):
                pos[n] = np.array([(i + 0.5) / len(layer) * 2 - 1, -float(depth)])
        return pos
    return nx.spring_layout(g.to_undirected(), seed=seed, k=1.5 / max(1, g.number_of_nodes())
                            ** 0.5)


#: the plotly view names at most this many concepts on the canvas (the most connected);
#: every concept keeps its name on hover
MAX_LABELS = 40
#: arrowheads are drawn for at most this many edges (annotations are not WebGL)
MAX_ARROWS = 400


def pyvis_html(g: nx.DiGraph, labels: dict[str, str], reference: nx.DiGraph | None = None,
               physics_cap: int = 150, height: str = "560px") -> str:
    """The vis.js network as HTML (for ``st.iframe``)."""
    from pyvis.network import Network

    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line")
    frozen = g.number_of_nodes() > physics_cap
    pos = layout(g) if frozen else {}
    for n in g.nodes:
        kw = {}
        if frozen:
            kw = {"x": float(pos[n][0] * 1000), "y": float(pos[n][1] * 1000), "physics": False}
        net.add_node(inert(n, 80), label=inert(labels.get(n, n), 40),
                     title=inert(f"{labels.get(n, n)} ({n})", 120),
                     font={"size": 20, "face": "sans-serif"}, **kw)
    for a, b, d in g.edges(data=True):
        in_ref = reference is not None and reference.has_edge(a, b)
        net.add_edge(inert(a, 80), inert(b, 80), color=EDGE_COLOURS.get(d["type"], "#999"),
                     title=inert(f"{d['type']} ({d['weight']:.2f})", 60),
                     dashes=reference is not None and not in_ref)
    net.toggle_physics(not frozen)
    # vis.js is inlined; pyvis's template still links bootstrap from a CDN, which fails offline
    # (and would let a third party into the page): those elements are dropped
    return _CDN_TAG.sub("", net.generate_html(notebook=False))


_CDN_TAG = re.compile(r"<link[^>]*https://[^>]*/>\s*|<script[^>]*src=\"https://[^>]*>\s*</script>\s*")


def plotly_graph(g: nx.DiGraph, labels: dict[str, str], reference: nx.DiGraph | None = None,
                 title: str = "") -> go.Figure:
    pos = layout(g)
    fig = go.Figure()
    for typ, colour in EDGE_COLOURS.items():
        for in_ref in (True, False):
            xs: list[float | None] = []
            ys: list[float | None] = []
            for a, b, d in g.edges(data=True):
                if d["type"] != typ or (reference is not None and
                                        reference.has_edge(a, b) != in_ref):
                    continue
                xs += [pos[a][0], pos[b][0], None]
                ys += [pos[a][1], pos[b][1], None]
            if xs:
                fig.add_trace(go.Scattergl(
                    x=xs, y=ys, mode="lines", hoverinfo="skip",
                    name=f"{typ}" + ("" if reference is None else
                                     (" (in reference)" if in_ref else " (not in reference)")),
                    line={"color": colour, "width": 1,
                          "dash": "solid" if in_ref or reference is None else "dash"}))
    if g.number_of_edges() <= MAX_ARROWS:  # direction: an arrowhead at each edge's target
        fig.update_layout(annotations=[
            {"x": pos[b][0], "y": pos[b][1], "ax": pos[a][0], "ay": pos[a][1],
             "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "",
             "showarrow": True, "arrowhead": 2, "arrowsize": 1.2, "arrowwidth": 1,
             "standoff": 5, "arrowcolor": EDGE_COLOURS.get(d["type"], "#999"), "opacity": 0.7}
            for a, b, d in g.edges(data=True)])
    nodes = list(g.nodes)
    named = set(sorted(nodes, key=lambda n: (-g.degree(n), str(n)))[:MAX_LABELS])
    fig.add_trace(go.Scattergl(
        x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
        text=[inert(labels.get(n, n), 24) if n in named else "" for n in nodes],
        textposition="top center", textfont={"size": 13},
        hovertext=[inert(f"{labels.get(n, n)} ({n})", 120) for n in nodes],
        hoverinfo="text", name="concepts", marker={"size": 9, "color": "#222"}))
    shown = ("" if len(nodes) <= MAX_LABELS else
             f" — names of the {MAX_LABELS} most connected concepts; hover for the others")
    fig.update_layout(title=inert(title, 120) + shown, height=600, showlegend=True,
                      xaxis={"visible": False}, yaxis={"visible": False},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
