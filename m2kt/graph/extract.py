"""Abstraction-graph extraction **from the teacher** (never from the reference).

Two methods, chosen by the task's kind:

- ``containment probes`` (pair tasks: hypernymy, taxonomy): for concepts A and B, ask the
  teacher "is x a B?" for up to ``m`` members x of A (members = inputs the teacher itself put
  in A).  ``S[A, B]`` = mean P(yes).  ``A is_a B`` when ``S[A, B] ≥ τ`` and ``S[B, A] < τ``
  (containment is asymmetric), weight ``S[A, B]``.  Cycles are broken at their weakest edge,
  then the graph is transitively reduced (each edge keeps its probe weight).
- ``centroid neighbours`` (class tasks): ``A related_to B`` for B among A's ``k`` nearest
  concept centroids by cosine (centred), weight = cosine.
- ``readout confusion`` (class tasks): ``A related_to B`` for B among the ``k`` concepts the
  teacher's own readout gives most probability, on average, to the inputs it puts in A
  (``S[A, B] = mean P(B | x)`` over its members x of A), weight = ``S[A, B]``.

Each returns ``(edges, method_text, …)``; edges are dicts ``{source, target, type, weight}``.
:data:`m2kt.graph.methods.GRAPH_METHODS` names them for ``build-packet --graph``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np

from m2kt.domains.base import Example


def containment_edges(
    concept_ids: Sequence[str], members: dict[int, list[Example]],
    ask: Callable[[list[Example]], np.ndarray], requery: Callable[[Example, str], Example],
    m: int = 16, tau: float = 0.8, seed: int = 0,
) -> tuple[list[dict], str, np.ndarray]:
    """Containment-probe is_a edges; ``ask`` returns P(yes) for examples. Returns the edges,
    the method text, and the (k, k) probe matrix S."""
    rng = np.random.default_rng(seed)
    k = len(concept_ids)
    probes: list[Example] = []
    owner: list[tuple[int, int]] = []
    for a in range(k):
        mem = members.get(a, [])
        pick = [mem[i] for i in rng.permutation(len(mem))[:m]]
        for b in range(k):
            if a == b:
                continue
            for ex in pick:
                probes.append(requery(ex, concept_ids[b]))
                owner.append((a, b))
    s = np.zeros((k, k))
    n = np.zeros((k, k))
    if probes:
        p = ask(probes)
        for (a, b), v in zip(owner, p, strict=True):
            s[a, b] += v
            n[a, b] += 1
    s = np.divide(s, n, out=np.zeros_like(s), where=n > 0)
    g = nx.DiGraph()
    for a in range(k):
        for b in range(k):
            if a != b and n[a, b] and s[a, b] >= tau and s[b, a] < tau:
                g.add_edge(concept_ids[a], concept_ids[b], weight=float(s[a, b]))
    while True:
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            break
        weakest = min(cycle, key=lambda e: g.edges[e[0], e[1]]["weight"])
        g.remove_edge(weakest[0], weakest[1])
    red = nx.transitive_reduction(g) if g.number_of_edges() else g
    edges = [{"source": a, "target": b, "type": "is_a", "weight": round(g.edges[a, b]["weight"], 4)}
             for a, b in sorted(red.edges)]
    method = (f"containment probes: A is_a B when the teacher answers 'yes' to 'is x a B?' for "
              f"≥ {tau:.0%} of up to {m} of its own members x of A, and < {tau:.0%} the other way "
              "round; cycles broken at the weakest edge; transitive reduction")
    return edges, method, s


def confusion_edges(concept_ids: Sequence[str], proba: np.ndarray, concept: np.ndarray,
                    k_nn: int = 3) -> tuple[list[dict], str, np.ndarray]:
    """related_to edges from the teacher's readout. ``proba``: (n, k) its probabilities on n
    of its own inputs; ``concept``: (n,) the concept it put each in. Returns the edges, the
    method text and S (k, k): ``S[A, B]`` = mean P(B | x) over the inputs x of A (0 on the
    diagonal and for concepts without inputs)."""
    k = len(concept_ids)
    onehot = np.zeros((len(concept), k))
    onehot[np.arange(len(concept)), concept] = 1.0
    n = onehot.sum(0)
    s = np.divide(onehot.T @ proba, n[:, None], out=np.zeros((k, k)), where=n[:, None] > 0)
    np.fill_diagonal(s, 0.0)
    edges = []
    for a in np.flatnonzero(n > 0):
        for b in np.argsort(-s[a], kind="stable")[:k_nn]:
            if s[a, b] > 0 and n[b] > 0:
                edges.append({"source": concept_ids[int(a)], "target": concept_ids[int(b)],
                              "type": "related_to", "weight": round(float(s[a, b]), 4)})
    method = (f"readout confusion: A related_to B for the {k_nn} concepts B the teacher's "
              "readout gives most probability, on average, to its own inputs of A")
    return edges, method, s


def centroid_neighbour_edges(concept_ids: Sequence[str], centroids: np.ndarray,
                             counts: np.ndarray, k_nn: int = 3) -> tuple[list[dict], str]:
    """related_to edges to each concept's ``k_nn`` nearest centroids (cosine, centred)."""
    live = counts > 0
    c = centroids - centroids[live].mean(0) if live.any() else centroids
    c = c / np.clip(np.linalg.norm(c, axis=1, keepdims=True), 1e-12, None)
    sim = c @ c.T
    edges = []
    for a in range(len(concept_ids)):
        if not live[a]:
            continue
        order = [b for b in np.argsort(-sim[a]) if b != a and live[b]][:k_nn]
        for b in order:
            edges.append({"source": concept_ids[a], "target": concept_ids[int(b)],
                          "type": "related_to", "weight": round(float(sim[a, b]), 4)})
    method = (f"centroid neighbours: A related_to B for the {k_nn} nearest concept centroids "
              "of A by cosine (centroids centred on their mean)")
    return edges, method
