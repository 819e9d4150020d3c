"""The packet reader: ordered checks, each before the allocation it guards (DESIGN §6).

Order: size cap → container and member allow-list → signed payload and member hashes →
signature and trust (key) → manifest strict JSON + schema → teacher pin → replay ledger →
other members' strict JSON + schema → tensors (dtype, shape, finite, caps) → semantics
(dimensions, duplicate ids) → graph (ids exist, no self-loops, is_a acyclic, limits) →
traces (ids exist).  Replay needs the signed manifest's sequence, so the manifest is parsed
(strictly) just before it; nothing unsigned is parsed before the signature verifies.

``open_packet`` raises the first :class:`~m2kt.errors.PacketError`; ``report_packet`` runs
every stage that can still run and lists every problem (for the review page).
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pydantic import BaseModel, ValidationError

from m2kt.concepts import readout as concept_readout
from m2kt.concepts import relative as concept_relative
from m2kt.errors import (
    FormatError,
    GraphError,
    IntegrityError,
    LimitError,
    PacketError,
    SchemaError,
    SemanticError,
    SignatureError,
)
from m2kt.limits import MAX_FANOUT, MAX_ISA_DEPTH, MAX_PACKET_BYTES
from m2kt.packet import schema as S
from m2kt.packet.container import read_members
from m2kt.packet.layout import ANCHORS, GRAPH, MANIFEST, SIGNATURE, SIGNED_MEMBERS, TENSORS, TRACES
from m2kt.packet.signing import pae, verify_signature
from m2kt.packet.strictjson import loads_strict
from m2kt.packet.tensors import parse_tensors
from m2kt.packet.trust import TrustStore, check_replay, record_accepted


@dataclass(frozen=True)
class VerifiedPacket:
    """A packet that passed every check. Tensors are read-only float32 arrays."""

    digest: str
    keyid: str
    size: int
    manifest: S.Manifest
    graph: S.Graph
    traces: S.Traces
    anchors: S.Anchors
    tensors: dict[str, np.ndarray]
    already_accepted: bool = False

    @property
    def concept_ids(self) -> list[str]:
        return [c.id for c in self.manifest.concepts]


@dataclass(frozen=True)
class Issue:
    stage: str
    error: str
    message: str


@dataclass
class ReadReport:
    """Everything report-all mode found. ``packet`` is set only when ``ok``."""

    ok: bool
    issues: list[Issue] = field(default_factory=list)
    packet: VerifiedPacket | None = None
    digest: str | None = None
    keyid: str | None = None
    manifest: S.Manifest | None = None


def _schema(model: type[BaseModel], obj: Any, what: str) -> Any:
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:10]:
            loc = ".".join(str(x) for x in err["loc"]) or "(root)"
            parts.append(f"{loc}: {err['msg']}")
        more = f" (+{exc.error_count() - 10} more)" if exc.error_count() > 10 else ""
        raise SchemaError(f"{what} fails the schema: " + "; ".join(parts) + more) from exc


class _Run:
    """One read. In report mode, failures are recorded and later stages still try to run."""

    def __init__(self, report_all: bool) -> None:
        self.report_all = report_all
        self.issues: list[Issue] = []

    def stage(self, name: str, fn: Callable[[], Any], fatal: bool = False) -> Any:
        try:
            return fn()
        except PacketError as exc:
            if not self.report_all:
                raise
            self.issues.append(Issue(name, type(exc).__name__, str(exc)))
            if fatal:
                raise _Stop() from exc
            return None


class _Stop(Exception):
    pass


def _payload(members: dict[str, bytes]) -> tuple[S.Envelope, bytes, S.SignedPayload]:
    env = _schema_sig(members[SIGNATURE])
    try:
        raw = base64.b64decode(env.payload, validate=True)
    except ValueError as exc:
        raise SignatureError("signature payload is not valid base64") from exc
    try:
        payload = _schema(S.SignedPayload, loads_strict(raw, "signed payload"), "signed payload")
    except SchemaError as exc:
        raise SignatureError(f"signed payload is malformed: {exc}") from exc
    return env, raw, payload


def _schema_sig(data: bytes) -> S.Envelope:
    try:
        return _schema(S.Envelope, loads_strict(data, "signature.json"), "signature envelope")
    except SchemaError as exc:
        raise SignatureError(f"signature envelope rejected: {exc}") from exc


def _check_hashes(members: dict[str, bytes], payload: Any,
                  signed: tuple[str, ...] = SIGNED_MEMBERS, what: str = "") -> None:
    """Every member in ``signed`` (a packet's by default; an atlas passes its own, with
    ``what`` naming it in messages) matches the size and SHA-256 the signed ``payload`` lists,
    and the payload lists exactly those members."""
    listed = set(payload.members)
    want = set(signed)
    if listed != want:
        raise IntegrityError(f"{what}signed member list differs from the format: extra "
                             f"{sorted(listed - want)[:5]}, missing {sorted(want - listed)}")
    for name in signed:
        d = payload.members[name]
        if d.size != len(members[name]) or d.sha256 != hashlib.sha256(members[name]).hexdigest():
            raise IntegrityError(f"{what}member {name} does not match its signed digest "
                                 "(altered after signing)")


def _check_head(t: dict[str, np.ndarray], prefix: str, what: str,
                want: dict[str, tuple[int, ...]], sizes: str) -> None:
    """An optional head's tensors (``<prefix>weight|bias|mean|scale``): absent, or exactly the
    shapes ``want`` with a positive scale."""
    got = {n: tuple(v.shape) for n, v in t.items() if n.startswith(prefix)}
    if not got:
        return
    if got != want:
        raise SemanticError(f"{what} tensors {sorted(got.items())[:4]} do not match {sizes}: "
                            f"expected {sorted(want.items())}")
    if not np.all(t[prefix + "scale"] > 0):
        raise SemanticError(f"{prefix}scale must be positive")


def _check_semantics(m: S.Manifest, t: dict[str, np.ndarray], anchors: S.Anchors) -> None:
    ids = [c.id for c in m.concepts]
    norm = [unicodedata.normalize("NFKC", i).casefold() for i in ids]
    if len(set(norm)) != len(norm):
        dup = next(i for i, x in enumerate(norm) if norm.count(x) > 1)
        raise SemanticError(f"duplicate concept id {ids[dup][:60]!r} (after Unicode "
                            "normalisation)")
    declared = {k: (v.dtype, tuple(v.shape)) for k, v in m.tensors.items()}
    actual = {k: ("F32", tuple(v.shape)) for k, v in t.items()}
    if declared != actual:
        diff = sorted(set(declared.items()) ^ set(actual.items()))[:4]
        raise SemanticError(f"tensors differ from the manifest's declaration: {diff}")
    k, d = len(ids), m.d_teacher
    if d != m.provenance.teacher.hidden_size:
        raise SemanticError(f"d_teacher {d} differs from the teacher's hidden size "
                            f"{m.provenance.teacher.hidden_size}")
    if m.main_layer not in m.layers:
        raise SemanticError(f"main layer {m.main_layer} is not among layers {m.layers}")
    r = m.provenance.recipe.manifold_rank
    expect = {"basis": (k, r, d), "spreads": (k, r), "residual_var": (k,), "counts": (k,)}
    expect.update({f"centroids.L{layer}": (k, d) for layer in m.layers})
    for name, shape in expect.items():
        if name not in t:
            raise SemanticError(f"required tensor {name} is missing")
        if t[name].shape != shape:
            raise SemanticError(f"tensor {name} has shape {t[name].shape}; expected {shape} "
                                f"({k} concepts, d={d}, rank {r})")
    # optional heads. The teacher readout: class tasks read h (d features), pair tasks
    # [h, μ_q, h⊙μ_q, |h−μ_q|] (4d). The relative readout: L labels × C concepts (+ W
    # words); on pair tasks one such block per queried concept, and a bias per concept.
    w = t.get(concept_readout.PREFIX + "weight", np.zeros((0, 0)))
    pair = w.ndim == 2 and w.shape[1] == 4 * d
    _check_head(t, concept_readout.PREFIX, "readout",
                concept_readout.expected_shapes(len(m.labels), d, pair),
                f"{len(m.labels)} labels × d={d}")
    # pair packets (their teacher readout reads 4d features) carry the pair layout
    n_str = k + len(anchors.words)
    _check_head(t, concept_relative.PREFIX, "relative readout",
                concept_relative.expected_shapes(len(m.labels), n_str, k if pair else None),
                f"{len(m.labels)} labels × ({k} concepts + {len(anchors.words)} words)"
                + (f" per queried concept ({k})" if pair else ""))
    if "anchors" in t or anchors.texts:
        if "anchors" not in t or t["anchors"].shape != (len(anchors.texts), d):
            raise SemanticError(f"anchor vectors {t.get('anchors', np.zeros(0)).shape} do not "
                                f"match {len(anchors.texts)} anchor texts × d={d}")
    if m.provenance.counts.anchor_inputs != len(anchors.texts):
        raise SemanticError("counts.anchor_inputs differs from the number of anchors")
    if np.any(t["counts"] < 0):
        raise SemanticError("negative member counts")


def _check_graph(g: S.Graph, ids: list[str]) -> None:
    known = set(ids)
    unknown = [n for n in g.nodes if n not in known]
    if unknown:
        raise GraphError(f"graph node {unknown[0][:60]!r} is not a concept of this packet")
    if len(set(g.nodes)) != len(g.nodes):
        raise GraphError("duplicate graph nodes")
    nodes = set(g.nodes)
    isa = nx.DiGraph()
    fan: dict[str, int] = {}
    for e in g.edges:
        for end in (e.source, e.target):
            if end not in nodes:
                raise GraphError(f"edge {e.source[:40]!r} → {e.target[:40]!r} refers to a "
                                 "missing node")
        if e.source == e.target:
            raise GraphError(f"self-loop on {e.source[:60]!r}")
        fan[e.source] = fan.get(e.source, 0) + 1
        if fan[e.source] > MAX_FANOUT:
            raise GraphError(f"node {e.source[:60]!r} has more than {MAX_FANOUT} edges")
        if e.type == "is_a":
            isa.add_edge(e.source, e.target)
    try:
        cycle = nx.find_cycle(isa)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        path = " → ".join(a[:40] for a, _ in cycle) + f" → {cycle[0][0][:40]}"
        raise GraphError(f"is_a cycle: {path}")
    if isa.number_of_nodes() and nx.dag_longest_path_length(isa) > MAX_ISA_DEPTH:
        raise GraphError(f"is_a hierarchy deeper than {MAX_ISA_DEPTH}")


def _check_traces(tr: S.Traces, m: S.Manifest) -> None:
    ids = {c.id for c in m.concepts}
    answers = ids | set(m.labels)
    for t in tr.traces:
        if t.answer not in answers:
            raise SemanticError(f"trace {t.id[:40]!r} answers {t.answer[:40]!r}, not a concept "
                                "or label of this packet")
        for s in t.steps:
            for cid, _ in s.top:
                if cid not in answers:
                    raise SemanticError(f"trace {t.id[:40]!r} step {s.stage[:40]!r} refers to "
                                        f"unknown concept {cid[:40]!r}")


def _read(data: bytes, trust: TrustStore, conn: sqlite3.Connection | None, report_all: bool,
          record: bool) -> ReadReport:
    run = _Run(report_all)
    rep = ReadReport(ok=False, issues=run.issues)
    try:
        members = run.stage("container", lambda: read_members(data), fatal=True)
        sig = run.stage("signature", lambda: _payload(members), fatal=True)
        env, raw, payload = sig
        rep.digest = hashlib.sha256(raw).hexdigest()
        rep.keyid = env.signatures[0].keyid
        run.stage("integrity", lambda: _check_hashes(members, payload), fatal=True)
        key = run.stage("trust", lambda: trust.keys[rep.keyid] if rep.keyid in trust.keys
                        else trust.get(rep.keyid, ""))
        if key is not None:
            run.stage("signature", lambda: verify_signature(
                key.public, pae(env.payloadType, raw), env.signatures[0].sig), fatal=True)
        manifest = run.stage("schema", lambda: _schema(
            S.Manifest, loads_strict(members[MANIFEST], MANIFEST), MANIFEST))
        rep.manifest = manifest
        already = False
        if manifest is not None and key is not None:
            prov = manifest.provenance
            run.stage("trust", lambda: trust.get(rep.keyid, prov.teacher.weights_sha256))
            if conn is not None:
                already = bool(run.stage("replay", lambda: check_replay(
                    conn, rep.keyid, prov.sequence, rep.digest, prov.created_at,
                    prov.expires_at)))
        graph = run.stage("schema", lambda: _schema(
            S.Graph, loads_strict(members[GRAPH], GRAPH), GRAPH))
        traces = run.stage("schema", lambda: _schema(
            S.Traces, loads_strict(members[TRACES], TRACES), TRACES))
        anchors = run.stage("schema", lambda: _schema(
            S.Anchors, loads_strict(members[ANCHORS], ANCHORS), ANCHORS))
        tensors = run.stage("tensors", lambda: parse_tensors(members[TENSORS]))
        if manifest is not None and tensors is not None and anchors is not None:
            run.stage("semantics", lambda: _check_semantics(manifest, tensors, anchors))
        if manifest is not None and graph is not None:
            run.stage("graph", lambda: _check_graph(graph, [c.id for c in manifest.concepts]))
        if manifest is not None and traces is not None:
            run.stage("traces", lambda: _check_traces(traces, manifest))
    except _Stop:
        return rep
    if run.issues:
        return rep
    if record and conn is not None and not already:
        prov = manifest.provenance
        record_accepted(conn, rep.keyid, prov.sequence, rep.digest,
                        prov.teacher.weights_sha256, prov.created_at)
    rep.ok = True
    rep.packet = VerifiedPacket(digest=rep.digest, keyid=rep.keyid, size=len(data),
                                manifest=manifest, graph=graph, traces=traces, anchors=anchors,
                                tensors=tensors, already_accepted=already)
    return rep


def _bytes(src: bytes | Path) -> bytes:
    if isinstance(src, bytes | bytearray | memoryview):
        return bytes(src)
    try:
        size = src.stat().st_size
    except OSError as exc:
        raise FormatError(f"cannot read {src}: {exc.strerror}") from exc
    if size > MAX_PACKET_BYTES:
        raise LimitError(f"{src} is {size} bytes; the packet cap is {MAX_PACKET_BYTES}")
    return src.read_bytes()


def open_packet(src: bytes | Path, trust: TrustStore, conn: sqlite3.Connection | None = None,
                record: bool = True) -> VerifiedPacket:
    """Run every check; return the verified packet or raise the first PacketError.

    With ``conn`` (the workspace DB) the replay ledger is consulted and, when ``record``,
    the accepted packet is written to it."""
    rep = _read(_bytes(src), trust, conn, report_all=False, record=record)
    assert rep.packet is not None
    return rep.packet


def packet_digest(data: bytes) -> str | None:
    """The packet's digest (SHA-256 of its signed payload, what approvals refer to), read
    without verifying anything else; ``None`` when the container or envelope is unreadable."""
    try:
        _, raw, _ = _payload(read_members(data))
    except PacketError:
        return None
    return hashlib.sha256(raw).hexdigest()


def report_packet(src: bytes | Path, trust: TrustStore,
                  conn: sqlite3.Connection | None = None) -> ReadReport:
    """Report-all mode: every problem found, never raising for a PacketError, never recording."""
    try:
        data = _bytes(src)
    except PacketError as exc:
        return ReadReport(ok=False, issues=[Issue("size", type(exc).__name__, str(exc))])
    return _read(data, trust, conn, report_all=True, record=False)


def peek_manifest(data: bytes) -> S.Manifest | None:
    """The manifest a packet *claims* (container, envelope and manifest schema only — no
    signature, trust or tensor check), for listing a queue; ``None`` when it does not parse.
    Never a verdict: only :func:`open_packet` verifies."""
    try:
        members = read_members(data)
        _payload(members)
        return _schema(S.Manifest, loads_strict(members[MANIFEST], MANIFEST), MANIFEST)
    except (PacketError, KeyError):
        return None

