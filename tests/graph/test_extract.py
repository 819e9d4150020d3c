"""Graph extraction from the teacher's own outputs (never from the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from m2kt.graph.extract import centroid_neighbour_edges, confusion_edges


def test_confusion_edges_follow_the_readouts_second_choices() -> None:
    ids = ["a", "b", "c", "d"]
    # the teacher's inputs of a lean towards c, those of b towards a; d has no input
    proba = np.array([[0.7, 0.0, 0.3, 0.0], [0.8, 0.05, 0.15, 0.0],
                      [0.2, 0.8, 0.0, 0.0], [0.1, 0.9, 0.0, 0.0], [0.0, 0.1, 0.9, 0.0]])
    concept = np.array([0, 0, 1, 1, 2])
    edges, method, s = confusion_edges(ids, proba, concept, k_nn=1)
    assert s.shape == (4, 4) and np.all(np.diag(s) == 0)
    assert s[0, 2] == pytest.approx(0.225) and s[1, 0] == pytest.approx(0.15)
    assert [(e["source"], e["target"]) for e in edges] == [("a", "c"), ("b", "a"), ("c", "b")]
    assert all(e["type"] == "related_to" and e["target"] != "d" for e in edges)
    assert method.startswith("readout confusion")


def test_confusion_edges_skip_zero_scores() -> None:
    proba = np.eye(3)  # a perfectly sure teacher confuses nothing
    edges, _, s = confusion_edges(["a", "b", "c"], proba, np.arange(3), k_nn=2)
    assert edges == [] and not s.any()


def test_centroid_neighbours_skip_empty_concepts() -> None:
    c = np.array([[1.0, 0.0], [0.9, 0.1], [-1.0, 0.0], [0.0, 1.0]])
    edges, method = centroid_neighbour_edges(["a", "b", "c", "d"], c, np.array([5, 5, 5, 0]),
                                             k_nn=1)
    pairs = {(e["source"], e["target"]) for e in edges}
    assert ("a", "b") in pairs and ("b", "a") in pairs
    assert all("d" not in p for p in pairs) and len(edges) == 3
    assert method.startswith("centroid neighbours")
