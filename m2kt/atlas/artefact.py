"""The atlas artefact: build, sign and write it; read and check it.

Layout (a ZIP, members stored, fixed timestamps, the packet container's checks):

- ``atlas.json`` — :class:`~m2kt.atlas.schema.AtlasManifest`: the teacher model (name,
  SHA-256 over its weight files, width, layer, pooling), the ``k`` strings in order, the time.
- ``vectors.safetensors`` — one float32 tensor ``vectors`` (k, d): the teacher's pooled
  vector of each string, row ``i`` for string ``i``.
- ``signature.json`` — a DSSE envelope (Ed25519) over the SHA-256 and size of both members.

An atlas's identity is its **digest**, the SHA-256 of its signed payload: a task packet
names the atlas it leans on by that digest, and a reader checks it. Reading trusts nothing
before the container, the signature, the key's trust and the schema have passed; every
failure is a :class:`~m2kt.errors.PacketError` that names what is wrong.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from m2kt.atlas.schema import (
    FORMAT,
    MAX_ATLAS_STRINGS,
    PAYLOAD_TYPE,
    AtlasEnvelope,
    AtlasManifest,
    AtlasPayload,
    AtlasTeacher,
)
from m2kt.errors import LimitError, SchemaError, SemanticError, SignatureError
from m2kt.limits import MAX_PACKET_BYTES
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.signing import SigningKey, pae, verify_signature
from m2kt.packet.strictjson import dumps_canonical, loads_strict
from m2kt.packet.trust import TrustStore

ATLAS_FORMAT = FORMAT
MANIFEST, VECTORS, SIGNATURE = "atlas.json", "vectors.safetensors", "signature.json"
SIGNED: tuple[str, ...] = (MANIFEST, VECTORS)
MEMBERS: tuple[str, ...] = (*SIGNED, SIGNATURE)
#: the file suffix ``build-atlas`` writes
SUFFIX = ".m2kt-atlas"


@dataclass(frozen=True)
class Atlas:
    """A checked atlas: ``vectors`` (k, d) float32, row ``i`` the teacher's vector of
    ``strings[i]``; ``digest`` the SHA-256 of its signed payload; ``size`` its bytes."""

    digest: str
    keyid: str
    teacher: AtlasTeacher
    strings: tuple[str, ...]
    vectors: np.ndarray
    size: int


def atlas_strings(k: int) -> list[str]:
    """The first ``k`` whole words of the MiniLM tokenizer's vocabulary, in its order — chosen
    with no task in view (unlike a task packet's public words, which skip the task's teacher
    inputs), so the same strings serve every task."""
    from m2kt.concepts.words import vocabulary

    vocab = vocabulary()
    if not 1 <= k <= min(len(vocab), MAX_ATLAS_STRINGS):
        raise ValueError(f"an atlas holds 1 to {min(len(vocab), MAX_ATLAS_STRINGS):,} strings, "
                         f"not {k:,}")
    return list(vocab[:k])


def model_sha256(path: Path) -> str:
    """SHA-256 over the SHA-256s of a model folder's ``*.safetensors`` files, sorted by name
    (the weights alone: an atlas has no task head)."""
    from m2kt.models.builtins import sha256_file

    digests = [sha256_file(p) for p in sorted(path.glob("*.safetensors"))]
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def pack_atlas(teacher: dict, strings: list[str], vectors: np.ndarray, key: SigningKey) -> bytes:
    """An atlas file's bytes: ``teacher`` (the fields of
    :class:`~m2kt.atlas.schema.AtlasTeacher`), ``strings`` (k,) and ``vectors`` (k, d)
    serialised, signed with ``key`` and packed (no check: :func:`read_atlas` checks)."""
    from m2kt.packet.writer import container_bytes, envelope, signed_payload, tensors_bytes

    manifest = {"format": FORMAT, "teacher": teacher, "strings": list(strings),
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    members = {MANIFEST: dumps_canonical(manifest),
               VECTORS: tensors_bytes({"vectors": np.asarray(vectors, np.float32)})}
    members[SIGNATURE] = envelope(signed_payload(members, FORMAT, SIGNED), key, PAYLOAD_TYPE)
    return container_bytes(members, MEMBERS)


def build_atlas(model: str, k: int, key: SigningKey, device: str = "cpu",
                progress: Progress = no_progress) -> bytes:
    """The signed atlas of model ``model`` over :func:`atlas_strings` (k): each string's
    last-layer vector pooled as the model pools by default (what a language-track head
    reads), through the workspace's embedding cache. Returns the file's bytes; a LimitError
    when they would exceed the reader's cap. The weights' digest is the backbone's alone (no
    task head): a trust-store key pinned to packet teachers (whose digest includes the head)
    does not cover its atlases."""
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode_layers

    lm = load(model, device=device, progress=progress)
    strings = atlas_strings(k)
    progress(f"encoding {len(strings):,} atlas strings with {model}", None)
    vectors = cached_encode_layers(lm, strings, [-1], template=None, progress=progress)[0]
    teacher = {"name": lm.info.name, "weights_sha256": model_sha256(lm.path),
               "hidden_size": int(vectors.shape[1]), "layer": -1,
               "pooling": lm.info.default_pooling}
    data = pack_atlas(teacher, strings, vectors, key)
    if len(data) > MAX_PACKET_BYTES:
        raise LimitError(f"an atlas of {k:,} strings × {vectors.shape[1]} dimensions is "
                         f"{len(data):,} bytes, over the cap of {MAX_PACKET_BYTES:,}: use "
                         "fewer strings")
    return data


def read_atlas(src: bytes | Path, trust: TrustStore) -> Atlas:
    """Check an atlas file (bytes or a path) and return it; raises a
    :class:`~m2kt.errors.PacketError` naming the first thing wrong: size, container, signature
    envelope, trust, signature, member digests, manifest schema, tensors, their shape."""
    from m2kt.packet.container import read_members
    from m2kt.packet.reader import _check_hashes, _schema
    from m2kt.packet.tensors import parse_tensors

    if isinstance(src, Path):
        if src.stat().st_size > MAX_PACKET_BYTES:
            raise LimitError(f"atlas is {src.stat().st_size} bytes; the cap is "
                             f"{MAX_PACKET_BYTES}")
        src = src.read_bytes()
    members = read_members(src, MEMBERS, "atlas")
    try:
        env = _schema(AtlasEnvelope, loads_strict(members[SIGNATURE], SIGNATURE),
                      "atlas signature envelope")
    except SchemaError as exc:
        raise SignatureError(str(exc)) from exc
    try:
        raw = base64.b64decode(env.payload, validate=True)
    except ValueError as exc:
        raise SignatureError("atlas signature payload is not valid base64") from exc
    keyid = env.signatures[0].keyid
    key = trust.keys.get(keyid) or trust.get(keyid, "")
    verify_signature(key.public, pae(PAYLOAD_TYPE, raw), env.signatures[0].sig)
    payload = _schema(AtlasPayload, loads_strict(raw, "atlas signed payload"),
                      "atlas signed payload")
    _check_hashes(members, payload, SIGNED, "atlas ")
    manifest = _schema(AtlasManifest, loads_strict(members[MANIFEST], MANIFEST),
                       "atlas manifest")
    trust.get(keyid, manifest.teacher.weights_sha256)  # a key pinned to other teachers fails
    if len(set(manifest.strings)) != len(manifest.strings):
        raise SemanticError("atlas strings repeat")
    tensors = parse_tensors(members[VECTORS])
    if set(tensors) != {"vectors"}:
        raise SemanticError(f"atlas tensors are {sorted(tensors)[:5]}; an atlas holds one, "
                            "'vectors'")
    v = tensors["vectors"]
    want = (len(manifest.strings), manifest.teacher.hidden_size)
    if v.shape != want:
        raise SemanticError(f"atlas vectors have shape {tuple(v.shape)}; its manifest says "
                            f"{want} (strings × hidden size)")
    return Atlas(digest=hashlib.sha256(raw).hexdigest(), keyid=keyid, teacher=manifest.teacher,
                 strings=tuple(manifest.strings), vectors=v, size=len(src))
