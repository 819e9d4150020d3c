"""Teacher-specificity controls: the permuted packet moves every per-concept statistic to
another concept consistently (and nothing else); the random head keeps the teacher's shape.
The whole controls, ingested, are in the bench contract (slow tier)."""

from __future__ import annotations

import numpy as np

from m2kt.bench.controls import derangement, permute_tensors, permuted_members


def test_derangement_moves_every_concept() -> None:
    for k in (2, 3, 26, 113):
        for seed in range(4):
            p = derangement(k, seed)
            assert sorted(p) == list(range(k)) and not (p == np.arange(k)).any()
    assert (derangement(26, 1) == derangement(26, 1)).all()


def test_class_tensors_move_with_their_concept() -> None:
    rng = np.random.default_rng(0)
    k, d, s = 4, 3, 7
    t = {"centroids.L2": rng.normal(size=(k, d)), "counts": np.arange(k, dtype=float),
         "basis": rng.normal(size=(k, 2, d)), "readout.weight": rng.normal(size=(k, d)),
         "readout.bias": rng.normal(size=k), "readout.mean": rng.normal(size=d),
         "relative.weight": rng.normal(size=(k, s)), "anchors": rng.normal(size=(5, d))}
    perm = derangement(k, 0)
    out = permute_tensors(t, perm, pair=False)
    for i in range(k):  # concept i's statistics now belong to concept perm[i]
        for name in ("centroids.L2", "counts", "basis", "readout.weight", "readout.bias",
                     "relative.weight"):
            assert np.array_equal(out[name][perm[i]], t[name][i]), name
    # inputs of the readouts (the reference strings' columns) and the anchors stay put
    assert np.array_equal(out["readout.mean"], t["readout.mean"])
    assert np.array_equal(out["anchors"], t["anchors"])


def test_pair_readout_blocks_move_with_their_queried_concept() -> None:
    rng = np.random.default_rng(1)
    k, s = 3, 5
    w = rng.normal(size=(2, k * s + k))
    perm = derangement(k, 2)
    out = permute_tensors({"relative.weight": w, "readout.weight": rng.normal(size=(2, 4))},
                          perm, pair=True)["relative.weight"]
    for i in range(k):
        j = perm[i]
        assert np.array_equal(out[:, j * s:(j + 1) * s], w[:, i * s:(i + 1) * s])
        assert np.array_equal(out[:, k * s + j], w[:, k * s + i])


def test_json_members_are_relabelled_consistently() -> None:
    manifest = {"concepts": [{"id": c, "label": c.upper(), "members": n}
                             for c, n in (("a", 1), ("b", 2), ("c", 3))]}
    graph = {"edges": [{"source": "a", "target": "b", "type": "related_to", "weight": 1.0}]}
    traces = {"traces": [{"query": "x", "answer": "a",
                          "steps": [{"stage": "layer 1", "top": [["a", 0.7], ["c", 0.3]]}]}]}
    perm = np.array([1, 2, 0])  # a → b, b → c, c → a
    m, g, t = permuted_members(manifest, graph, traces, perm, pair=False)
    assert [c["id"] for c in m["concepts"]] == ["a", "b", "c"]  # names keep their places
    assert [c["members"] for c in m["concepts"]] == [3, 1, 2]
    assert g["edges"][0]["source"] == "b" and g["edges"][0]["target"] == "c"
    assert t["traces"][0]["answer"] == "b"
    assert t["traces"][0]["steps"][0]["top"] == [["b", 0.7], ["a", 0.3]]
    assert manifest["concepts"][0]["members"] == 1  # the input is not modified
