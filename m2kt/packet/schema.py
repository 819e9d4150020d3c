"""Pydantic schemas of a packet's JSON members (``extra='forbid'``, strict types).

Used at the untrusted boundary only: the reader validates every JSON member against these
models and reports *every* field error at once (report-all mode).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from m2kt.limits import (
    MAX_ANCHORS,
    MAX_CONCEPTS,
    MAX_DIM,
    MAX_EDGES,
    MAX_LABEL_CHARS,
    MAX_TEXT_CHARS,
    MAX_TRACE_STEPS,
    MAX_TRACE_TOP,
    MAX_TRACES,
)

FORMAT = "m2kt-packet/1"
PAYLOAD_TYPE = "application/vnd.m2kt.packet.v1+json"
EDGE_TYPES = ("is_a", "part_of", "related_to", "implies")

Label = Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL_CHARS)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT_CHARS)]
Sha256 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[StrictInt, Field(ge=0, le=10**12)]
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ConceptEntry(_Strict):
    id: Label
    label: Label
    kind: Label
    description: Text = ""
    members: Count


class TeacherInfo(_Strict):
    name: Label
    source: Label
    weights_sha256: Sha256
    architecture: Label
    hidden_size: Annotated[StrictInt, Field(ge=1, le=MAX_DIM)]
    num_layers: Annotated[StrictInt, Field(ge=0, le=1024)]
    pooling: Label
    template: Label | None = None


class DomainInfo(_Strict):
    """What the student side needs to know about the domain, without any registry: its name
    and track, whether it answers a class or a (input, queried concept) pair, the student it
    was meant for, and a description. ``kind``, ``student`` and ``description`` are absent in
    packets made before they existed (read as: class, the track's default, empty)."""

    task: Label
    track: Literal["language", "symbolic", "reasoning"]
    seed: StrictInt
    params: dict[Label, Scalar | list[Scalar]] = {}
    kind: Literal["class", "pair"] = "class"
    student: Label | None = None
    description: Text = ""


class Recipe(_Strict):
    manifold_rank: Annotated[StrictInt, Field(ge=0, le=1024)]
    membership: Text
    graph_method: Text
    trace_method: Text
    params: dict[Label, Scalar] = {}


class Counts(_Strict):
    """Inputs the teacher side processed and what it read of the student's side.
    ``to_teacher``: student-side strings the teacher read (anchors sent to it, a pool it read
    to choose anchors, trace queries drawn from the pool); ``to_teacher_overlap``: how many of
    those are also among the packet's task strings (:mod:`m2kt.ledger`); ``to_teacher_bytes``:
    their UTF-8 bytes. ``None`` in packets made before ledger v3 recorded them."""

    teacher_inputs: Count
    probe_inputs: Count
    anchor_inputs: Count
    to_teacher: Count | None = None
    to_teacher_overlap: Count | None = None
    to_teacher_bytes: Count | None = None


class Provenance(_Strict):
    teacher: TeacherInfo
    domain: DomainInfo
    recipe: Recipe
    counts: Counts
    versions: dict[Label, Label]
    creator: Label
    created_at: Annotated[StrictStr, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")]
    expires_at: Annotated[StrictStr, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")] | None
    sequence: Annotated[StrictInt, Field(ge=1, le=2**53)]
    parent: Sha256 | None = None


class TensorSpec(_Strict):
    dtype: Literal["F32"]
    shape: list[Annotated[StrictInt, Field(ge=0, le=10**8)]]


class AtlasRef(_Strict):
    """The atlas a packet leans on (:mod:`m2kt.atlas`): its digest (the SHA-256 of its signed
    payload), how many strings it holds and its teacher model's name. A reader of the packet
    checks an atlas it is given against this digest."""

    digest: Sha256
    strings: Count
    teacher: Label


class Manifest(_Strict):
    format: Literal["m2kt-packet/1"]
    labels: Annotated[list[Label], Field(min_length=1, max_length=MAX_CONCEPTS)]
    concepts: Annotated[list[ConceptEntry], Field(min_length=1, max_length=MAX_CONCEPTS)]
    layers: Annotated[list[Annotated[StrictInt, Field(ge=0, le=1024)]],
                      Field(min_length=1, max_length=1025)]
    main_layer: Annotated[StrictInt, Field(ge=0, le=1024)]
    d_teacher: Annotated[StrictInt, Field(ge=1, le=MAX_DIM)]
    provenance: Provenance
    tensors: dict[Label, TensorSpec]
    atlas: AtlasRef | None = None


class Edge(_Strict):
    source: Label
    target: Label
    type: Literal["is_a", "part_of", "related_to", "implies"]
    weight: Annotated[StrictFloat, Field(ge=-1e6, le=1e6)]


class Graph(_Strict):
    method: Text
    nodes: Annotated[list[Label], Field(max_length=MAX_CONCEPTS)]
    edges: Annotated[list[Edge], Field(max_length=MAX_EDGES)]


class TraceStep(_Strict):
    """One step of a trace: a layer's concept distribution, or the teacher's answer on a hop
    prefix or (``input``) a named sub-problem of the query — a string that crosses, counted."""

    stage: Label
    input: Text | None = None
    # JSON has no tuples: each entry is a [concept_id, probability] pair (inner types strict)
    top: Annotated[list[Annotated[tuple[Label, Annotated[StrictFloat, Field(ge=0.0, le=1.0)]],
                                  Field(strict=False)]],
                   Field(max_length=MAX_TRACE_TOP)]


class Trace(_Strict):
    id: Label
    query: Text
    answer: Label
    steps: Annotated[list[TraceStep], Field(max_length=MAX_TRACE_STEPS)]


class Traces(_Strict):
    method: Text
    traces: Annotated[list[Trace], Field(max_length=MAX_TRACES)]


class Anchors(_Strict):
    """``texts``: task inputs whose teacher vectors cross (counted). ``words``: public strings
    (not task inputs) that the relative readout also measures cosines to; each side encodes
    them itself, so nothing about them crosses but the readout's weights."""

    selection: Text
    texts: Annotated[list[Text], Field(max_length=MAX_ANCHORS)]
    words: Annotated[list[Text], Field(max_length=MAX_ANCHORS)] = []


class MemberDigest(_Strict):
    sha256: Sha256
    size: Count


class SignedPayload(_Strict):
    format: Literal["m2kt-packet/1"]
    members: dict[Label, MemberDigest]


class SignatureEntry(_Strict):
    keyid: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{16,64}$")]
    alg: Literal["ed25519"]
    sig: Annotated[StrictStr, Field(min_length=1, max_length=256)]


class Envelope(_Strict):
    payloadType: Literal["application/vnd.m2kt.packet.v1+json"]  # noqa: N815 (DSSE name)
    payload: Annotated[StrictStr, Field(max_length=65_536)]
    signatures: Annotated[list[SignatureEntry], Field(min_length=1, max_length=1)]
