"""Reasoning traces: the teacher's step-wise path through concept space for probe queries.

- Layer by layer (every task): at each layer ℓ the probe's pooled hidden state is compared
  with that layer's concept centroids (cosine after centring on the centroids' mean, times a
  temperature of 10, softmax); a step lists the top concepts with their probabilities.
- Hop by hop (``multistep``): the teacher's own answer on each prefix ``v0 op1 v1 … op_i v_i``
  of the chain — its running value after every operator.

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
