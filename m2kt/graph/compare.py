"""Score an extracted abstraction graph against a reference graph (edge precision / recall).

``is_a`` edges are compared as directed edges, both as given (direct edges) and after
transitive closure; ``related_to`` edges as undirected pairs.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx


def _pr(pred: set, ref: set) -> dict[str, float | int]:
    tp = len(pred & ref)
    return {"precision": tp / len(pred) if pred else 0.0,
            "recall": tp / len(ref) if ref else 0.0,
            "predicted": len(pred), "reference": len(ref), "matched": tp}


def score_graph(edges: Iterable[dict], reference: nx.DiGraph) -> dict[str, dict]:
    """Precision/recall per comparable edge type. Returns ``{name: {precision, recall, …}}``."""
    edges = list(edges)
    out: dict[str, dict] = {}
    isa = {(e["source"], e["target"]) for e in edges if e["type"] == "is_a"}
    ref_isa = {(a, b) for a, b, d in reference.edges(data=True) if d.get("type") == "is_a"}
    if ref_isa:
        out["is_a (direct)"] = _pr(isa, ref_isa)
        pg = nx.DiGraph(list(isa))
        rg = nx.DiGraph(list(ref_isa))
        out["is_a (closure)"] = _pr(set(nx.transitive_closure_dag(pg).edges) if isa else set(),
                                    set(nx.transitive_closure_dag(rg).edges))
    rel = {frozenset((e["source"], e["target"])) for e in edges if e["type"] == "related_to"}
    ref_rel = {frozenset((a, b)) for a, b, d in reference.edges(data=True)
               if d.get("type") == "related_to"}
    if ref_rel:
        out["related_to (undirected)"] = _pr(rel, ref_rel)
    return out


def graph_summary(edges: Iterable[dict], method: str, nodes: int,
                  reference: nx.DiGraph | None) -> dict:
    """A packet graph as the benchmark report records it: ``{method, nodes, edges, by_type,
    reference}`` — ``reference`` is :func:`score_graph` against the task's reference graph
    (read only to score), or None when the task has none."""
    edges = list(edges)
    by_type: dict[str, int] = {}
    for e in edges:
        by_type[e["type"]] = by_type.get(e["type"], 0) + 1
    return {"method": method, "nodes": nodes, "edges": len(edges), "by_type": by_type,
            "reference": score_graph(edges, reference) if reference is not None else None}
