"""Pydantic schemas of an atlas's JSON members (strict types, ``extra='forbid'``), used where
an atlas file is read: nothing in it is trusted before these and the signature pass."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr

from m2kt.limits import MAX_DIM, MAX_LABEL_CHARS
from m2kt.packet.schema import Label, MemberDigest, Sha256, SignatureEntry, _Strict

FORMAT = "m2kt-atlas/1"
PAYLOAD_TYPE = "application/vnd.m2kt.atlas.v1+json"
#: the most strings an atlas may carry
MAX_ATLAS_STRINGS = 50_000

AtlasString = Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL_CHARS)]


class AtlasTeacher(_Strict):
    """The model whose vectors the atlas holds: its name and a SHA-256 over its weight files
    (no task head: an atlas belongs to no task), its width, and how a string was read."""

    name: Label
    weights_sha256: Sha256
    hidden_size: Annotated[StrictInt, Field(ge=1, le=MAX_DIM)]
    layer: Annotated[StrictInt, Field(ge=-1024, le=1024)]
    pooling: Label


class AtlasManifest(_Strict):
    format: Literal["m2kt-atlas/1"]
    teacher: AtlasTeacher
    strings: Annotated[list[AtlasString], Field(min_length=1, max_length=MAX_ATLAS_STRINGS)]
    created_at: Annotated[StrictStr, Field(max_length=40)]


class AtlasPayload(_Strict):
    format: Literal["m2kt-atlas/1"]
    members: dict[Label, MemberDigest]


class AtlasEnvelope(_Strict):
    payloadType: Literal["application/vnd.m2kt.atlas.v1+json"]  # noqa: N815 (DSSE name)
    payload: Annotated[StrictStr, Field(max_length=65_536)]
    signatures: Annotated[list[SignatureEntry], Field(min_length=1, max_length=1)]
