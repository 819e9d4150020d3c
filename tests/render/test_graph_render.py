"""Graph views: escaped labels, frozen physics past the cap, reference styling."""

from __future__ import annotations

import networkx as nx

from m2kt.render.graph import plotly_graph, pyvis_html, to_networkx

EVIL = '<img src=x onerror="alert(1)">'


def _g(n: int) -> nx.DiGraph:
    nodes = [f"c{i}" for i in range(n)]
    edges = [{"source": f"c{i}", "target": f"c{i // 2}", "type": "is_a", "weight": 1.0}
             for i in range(1, n)]
    return to_networkx(nodes, edges)


def test_pyvis_escapes_labels_and_titles() -> None:
    g = _g(5)
    html = pyvis_html(g, {"c1": EVIL, "c2": "**md** [x](javascript:alert(2))"})
    assert EVIL not in html and "<img src=x" not in html
    assert "\\u0026lt;img src=x" in html  # entity-escaped, then JSON-escaped by pyvis


def test_pyvis_freezes_physics_past_the_cap() -> None:
    html = pyvis_html(_g(200), {}, physics_cap=150)
    assert '"enabled": false' in html.replace("\n", "") or '"physics": false' in html


def test_plotly_graph_splits_edges_by_reference() -> None:
    g = _g(6)
    ref = nx.DiGraph([("c1", "c0"), ("c2", "c1")])
    fig = plotly_graph(g, {"c0": EVIL}, ref)
    names = {t.name for t in fig.data}
    assert {"is_a (in reference)", "is_a (not in reference)", "concepts"} <= names
    assert "<img" not in fig.to_json()


def test_trace_step_path_escapes_and_orders_steps() -> None:
    from m2kt.render.traces import step_path

    steps = [{"stage": "layer 0", "top": [["a", 0.6], ["b", 0.4]]},
             {"stage": "<b>layer 1</b>", "top": [["b", 0.9], ["a", 0.1]]}]
    fig = step_path(steps, {"a": EVIL, "b": "b"})
    assert len(fig.data) == 2 and list(fig.data[0].y) == [0.6, 0.1]
    assert "<img" not in fig.to_json() and "<b>layer" not in fig.to_json()


def test_pyvis_html_requests_nothing_from_the_network() -> None:
    import re

    import networkx as nx

    from m2kt.render.graph import pyvis_html

    g = nx.DiGraph()
    g.add_edge("a", "b", type="is_a", weight=1.0)
    html = pyvis_html(g, {"a": "A", "b": "B"})
    # no stylesheet or script fetched from elsewhere (the page must work offline)
    assert not re.search(r"<link[^>]*href=\"https?://", html)
    assert not re.search(r"<script[^>]*src=\"https?://", html)
    assert "vis.Network" in html or "new vis" in html  # vis.js itself is inlined



def test_plotly_graph_draws_arrows_layers_and_caps_its_labels() -> None:
    import networkx as nx

    from m2kt.render.graph import MAX_LABELS, layout, plotly_graph

    g = nx.DiGraph()
    for i in range(60):  # 60 leaves under 3 parents under one root
        g.add_edge(f"leaf{i}", f"mid{i % 3}", type="is_a", weight=1.0)
    for j in range(3):
        g.add_edge(f"mid{j}", "root", type="is_a", weight=1.0)
    pos = layout(g)
    assert pos["root"][1] > pos["mid0"][1] > pos["leaf0"][1]  # general concepts on top
    fig = plotly_graph(g, {})
    assert len(fig.layout.annotations) == g.number_of_edges()  # one arrowhead per edge
    assert all(a.showarrow and a.arrowhead for a in fig.layout.annotations)
    names = [t for t in fig.data[-1].text if t]
    assert len(names) == MAX_LABELS and "root" in names
