"""Edge precision / recall of an extracted graph against a reference, and the summary the
benchmark report records."""

from __future__ import annotations

import networkx as nx
import pytest

from m2kt.graph.compare import graph_summary, score_graph


def _ref() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_edge("dog", "mammal", type="is_a")
    g.add_edge("mammal", "animal", type="is_a")
    g.add_edge("cat", "mammal", type="is_a")
    return g


def _isa(a: str, b: str) -> dict:
    return {"source": a, "target": b, "type": "is_a", "weight": 1.0}


def test_direct_and_closure_scores() -> None:
    # one right direct edge, one edge right only after closure (dog → animal), one wrong
    s = score_graph([_isa("dog", "mammal"), _isa("dog", "animal"), _isa("animal", "cat")],
                    _ref())
    d = s["is_a (direct)"]
    assert (d["matched"], d["predicted"], d["reference"]) == (1, 3, 3)
    assert d["precision"] == pytest.approx(1 / 3) and d["recall"] == pytest.approx(1 / 3)
    c = s["is_a (closure)"]  # reference closure: 3 edges + dog→animal, cat→animal
    assert c["reference"] == 5 and c["matched"] == 2
    assert "related_to (undirected)" not in s


def test_related_edges_compare_undirected() -> None:
    ref = nx.DiGraph()
    ref.add_edge("a", "b", type="related_to")
    ref.add_edge("b", "c", type="related_to")
    edges = [{"source": "b", "target": "a", "type": "related_to", "weight": 0.5},
             {"source": "a", "target": "c", "type": "related_to", "weight": 0.4}]
    r = score_graph(edges, ref)["related_to (undirected)"]
    assert (r["matched"], r["precision"], r["recall"]) == (1, 0.5, 0.5)


def test_summary_counts_types_and_scores_only_with_a_reference() -> None:
    edges = [_isa("dog", "mammal"), {"source": "dog", "target": "cat", "type": "related_to",
                                     "weight": 0.3}]
    s = graph_summary(edges, "containment probes: …", 4, _ref())
    assert s["edges"] == 2 and s["nodes"] == 4
    assert s["by_type"] == {"is_a": 1, "related_to": 1}
    assert s["reference"]["is_a (direct)"]["matched"] == 1
    assert graph_summary(edges, "m", 4, None)["reference"] is None
