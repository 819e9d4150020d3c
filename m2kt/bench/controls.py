"""Teacher-specificity controls of the benchmark (BENCHMARK v3, replacing v2's swap test).

Each control is a packet that a teacher *could* have sent but that carries no knowledge of the
task, ingested exactly like M2KT's own packet (same variant, seed, student and pool):

- **permuted** (:func:`permuted_packet`): the seed's packet with its concepts relabelled by a
  derangement — every per-concept statistic (centroids at every layer, principal bases,
  spreads, residual variances, member counts, hence the prior), the readouts' output rows (a
  pair task's per-concept blocks), the graph's endpoints and the traces' concept ids move to
  another concept consistently; the labels and public strings stay where they were. A student
  that reads the packet's knowledge answers the wrong concept.
- **random_head** (:func:`random_head_teacher`): a packet built by the same pipeline from the
  same teacher model whose task head is replaced by a random one (same shape and scale, seeded)
  — its membership, readouts, graph and traces describe a task the teacher never learnt.

Both should leave the student at the ``prior`` arm or below; a control that does as well as
M2KT says that M2KT's figure does not come from the teacher's knowledge of the task.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.concepts.teacher import Teacher
from m2kt.domains.base import TEXT_TRACKS

#: tensors whose first axis runs over concepts
CONCEPT_AXIS = ("basis", "spreads", "residual_var", "counts")


def derangement(k: int, seed: int) -> np.ndarray:
    """A seeded permutation (k,) of ``range(k)`` with no fixed point (k ≥ 2)."""
    rng = np.random.default_rng(10_000 + seed)
    while True:
        p = rng.permutation(k)
        if k < 2 or not (p == np.arange(k)).any():
            return p


def permute_tensors(tensors: dict[str, np.ndarray], perm: np.ndarray, pair: bool
                    ) -> dict[str, np.ndarray]:
    """``tensors`` with concept ``i``'s statistics moved to concept ``perm[i]`` (see module
    doc): concept-axis tensors and per-layer centroids row-wise; a class task's readout rows
    (one per concept); a pair task's relative readout's per-concept blocks and biases."""
    k = len(perm)
    inv = np.argsort(perm)  # new[j] = old[inv[j]]  ⇔  new[perm[i]] = old[i]
    out = dict(tensors)
    for name, t in tensors.items():
        if name in CONCEPT_AXIS or name.startswith("centroids."):
            out[name] = np.ascontiguousarray(t[inv])
        elif not pair and name in ("readout.weight", "readout.bias", "relative.weight",
                                   "relative.bias"):
            out[name] = np.ascontiguousarray(t[inv])
    if pair and "relative.weight" in tensors:
        w = tensors["relative.weight"]
        s = (w.shape[1] - k) // k
        blocks = w[:, :k * s].reshape(w.shape[0], k, s)[:, inv, :].reshape(w.shape[0], k * s)
        bias = w[:, k * s:][:, inv]
        out["relative.weight"] = np.ascontiguousarray(np.concatenate([blocks, bias], 1))
    return out


def permuted_members(manifest: dict[str, Any], graph: dict[str, Any], traces: dict[str, Any],
                     perm: np.ndarray, pair: bool) -> tuple[dict, dict, dict]:
    """The JSON members relabelled by ``perm`` (concept ids in the graph and traces, the
    concepts' member counts); the concepts' ids and labels keep their places."""
    ids = [c["id"] for c in manifest["concepts"]]
    to = {ids[i]: ids[int(perm[i])] for i in range(len(ids))}
    m = copy.deepcopy(manifest)
    members = [c["members"] for c in manifest["concepts"]]
    for i in range(len(ids)):
        m["concepts"][int(perm[i])]["members"] = members[i]
    g = copy.deepcopy(graph)
    g["edges"] = [{**e, "source": to[e["source"]], "target": to[e["target"]]}
                  for e in g["edges"]]
    t = copy.deepcopy(traces)
    for tr in t["traces"]:
        if not pair:
            tr["answer"] = to.get(tr["answer"], tr["answer"])
        for st in tr["steps"]:
            st["top"] = [[to.get(c, c), p] for c, p in st["top"]]
    return m, g, t


def permuted_packet(built, seed: int, out_dir: Path):
    """The control packet of ``built`` (:class:`~m2kt.bench.m2kt_run.BuiltPacket`): its
    concepts relabelled by :func:`derangement` (module doc), re-signed with the bench key,
    verified and approved like any packet."""
    import time

    from m2kt.bench.m2kt_run import BuiltPacket, approve_built, bench_key
    from m2kt.packet.writer import pack, write_atomic

    p = built.packet
    pair = p.manifest.provenance.domain.kind == "pair"
    perm = derangement(len(p.concept_ids), seed)
    manifest = json.loads(p.manifest.model_dump_json())
    manifest, graph, traces = permuted_members(
        manifest, json.loads(p.graph.model_dump_json()), json.loads(p.traces.model_dump_json()),
        perm, pair)
    manifest["provenance"]["recipe"]["params"]["control"] = (
        f"concepts permuted (a derangement, seed {seed}) — a control, not a transfer")
    manifest["provenance"]["creator"] = "m2kt bench control"
    tensors = permute_tensors({k: np.asarray(v) for k, v in p.tensors.items()}, perm, pair)
    anchors = json.loads(p.anchors.model_dump_json())
    path = out_dir / f"{built.path.stem}-permuted.m2kt"
    t0 = time.perf_counter()

    def make(sequence) -> int:
        manifest["provenance"]["sequence"] = sequence()
        data = pack(manifest, tensors, graph, traces, anchors, bench_key())
        write_atomic(path, data)
        return len(data)

    packet, size = approve_built(make, path, f"benchmark control: permuted concepts, seed {seed}")
    return BuiltPacket(packet, path, size, time.perf_counter() - t0, built.anchors)


def random_head_teacher(teacher: Teacher, seed: int) -> Teacher:
    """``teacher`` with its task head replaced by a random one of the same shape and scale
    (seeded): the language track's linear head's weights drawn from a normal with the trained
    weights' spread and zero bias; a symbolic classifier's output layer likewise."""
    rng = np.random.default_rng(20_000 + seed)
    if teacher.task.track in TEXT_TRACKS:
        from m2kt.heads import LinearHead

        h = teacher.head
        w = rng.normal(0.0, float(np.std(h.weight)), h.weight.shape).astype(np.float32)
        head: Any = LinearHead(w, np.zeros_like(h.bias), h.mean, h.scale, h.l2)
        parts = [w.tobytes()]
    else:
        import torch

        head = copy.deepcopy(teacher.head)
        lin = head.classifier
        with torch.no_grad():
            std = float(lin.weight.std())
            w = rng.normal(0.0, std, tuple(lin.weight.shape)).astype(np.float32)
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.zero_()
        parts = [w.tobytes()]
    sha = hashlib.sha256(teacher.weights_sha256.encode() + b"|random-head|" + parts[0])
    return Teacher(task=teacher.task, lm=teacher.lm, head=head, weights_sha256=sha.hexdigest(),
                   record=None)
