"""Reasoning traces: the teacher's step-wise path through concept space for probe queries.

- Layer by layer (every task): at each layer ℓ the probe's pooled hidden state is compared
  with that layer's concept centroids (cosine after centring on the centroids' mean, times a
  temperature of 10, softmax); a step lists the top concepts with their probabilities.
- Hop by hop (``multistep``): the teacher's own answer on each prefix ``v0 op1 v1 … op_i v_i``
  of the chain — its running value after every operator.
- Step by step (``reasoning`` track): the teacher's own answer on every sub-problem of the
  query (a sub-expression, a sub-formula under the same assignment, a running total), each
  step naming its sub-problem as ``input``.

Each trace ends in the teacher's answer (a concept id for class tasks, "yes"/"no" for pair
tasks).  Traces are data: ids, strings and probabilities only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from m2kt.domains.base import Example

TEMPERATURE = 10.0


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def concept_distribution(h: np.ndarray, centroids: np.ndarray, live: np.ndarray) -> np.ndarray:
    """(n, d) states vs (k, d) centroids → (n, k) distribution over live concepts."""
    mu = centroids[live].mean(0)
    c = centroids - mu
    c = c / np.clip(np.linalg.norm(c, axis=1, keepdims=True), 1e-12, None)
    x = h - mu
    x = x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)
    z = TEMPERATURE * (x @ c.T)
    z[:, ~live] = -np.inf
    return _softmax(z)


def layer_traces(
    probes: Sequence[Example], hidden: dict[int, np.ndarray], centroids: dict[int, np.ndarray],
    live: np.ndarray, concept_ids: Sequence[str], answers: Sequence[str], top: int = 5,
) -> list[dict]:
    """One trace per probe: a step per layer (see module doc), ending in ``answers[i]``."""
    traces = []
    dists = {layer: concept_distribution(hidden[layer], centroids[layer], live)
             for layer in sorted(hidden)}
    for i, ex in enumerate(probes):
        steps = []
        for layer in sorted(hidden):
            p = dists[layer][i]
            idx = np.argsort(-p)[:top]
            steps.append({"stage": f"layer {layer}",
                          "top": [[concept_ids[j], round(float(p[j]), 4)] for j in idx]})
        traces.append({"id": f"t{i:04d}", "query": ex.text, "answer": answers[i],
                       "steps": steps})
    return traces


def add_hop_steps(traces: list[dict], probes: Sequence[Example],
                  proba: Callable[[list[Example]], np.ndarray], label_ids: Sequence[str]) -> None:
    """Append the teacher's answer on each prefix of a boolean chain (multistep) to each trace."""
    prefixes: list[Example] = []
    owner: list[tuple[int, int]] = []
    for i, ex in enumerate(probes):
        words = ex.text.split()
        for hop in range(1, len(words) // 2 + 1):
            prefixes.append(Example(text=" ".join(words[:2 * hop + 1]), label=0,
                                    key=f"{ex.key}#{hop}"))
            owner.append((i, hop))
    if not prefixes:
        return
    p = proba(prefixes)
    for (i, hop), row in zip(owner, p, strict=True):
        traces[i]["steps"].append({"stage": f"hop {hop}", "top": [
            [label_ids[j], round(float(row[j]), 4)] for j in np.argsort(-row)]})


def add_sub_steps(traces: list[dict], probes: Sequence[Example],
                  proba: Callable[[list[Example]], np.ndarray], label_ids: Sequence[str],
                  steps_of: Callable[[str], list[str]]) -> int:
    """Append the teacher's answer on each sub-problem ``steps_of(query)`` of each trace's
    query as steps ``step 1``, ``step 2``, … with the sub-problem as ``input``; returns how
    many sub-problems the teacher answered (one batch)."""
    subs: list[Example] = []
    owner: list[int] = []
    for i, ex in enumerate(probes):
        for j, text in enumerate(steps_of(ex.text)):
            subs.append(Example(text=text, label=0, key=f"{ex.key}#s{j + 1}"))
            owner.append(i)
    if not subs:
        return 0
    p = proba(subs)
    for i, ex, row in zip(owner, subs, p, strict=True):
        n = sum(1 for s in traces[i]["steps"] if s["stage"].startswith("step "))
        traces[i]["steps"].append({"stage": f"step {n + 1}", "input": ex.text, "top": [
            [label_ids[j], round(float(row[j]), 4)] for j in np.argsort(-row)]})
    return len(subs)
