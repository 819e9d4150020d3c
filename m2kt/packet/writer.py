"""Serialise and sign a packet into one ``*.m2kt`` file (atomically: temp file, then rename)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.packet.layout import ALL_MEMBERS, SIGNATURE, SIGNED_MEMBERS, ZIP_DATE
from m2kt.packet.schema import FORMAT, PAYLOAD_TYPE
from m2kt.packet.signing import SigningKey, pae
from m2kt.packet.strictjson import dumps_canonical


def tensors_bytes(tensors: dict[str, np.ndarray]) -> bytes:
    """safetensors bytes of float32 C-contiguous arrays, keys sorted."""
    from safetensors.numpy import save

    return save({k: np.ascontiguousarray(tensors[k], dtype=np.float32) for k in sorted(tensors)})


def signed_payload(members: dict[str, bytes], fmt: str = FORMAT,
                   signed: tuple[str, ...] = SIGNED_MEMBERS) -> bytes:
    """Canonical JSON listing SHA-256 and size of every signed member (a packet's by default;
    an atlas passes its own format and members)."""
    return dumps_canonical({"format": fmt, "members": {
        name: {"sha256": hashlib.sha256(members[name]).hexdigest(), "size": len(members[name])}
        for name in signed}})


def envelope(payload: bytes, key: SigningKey, payload_type: str = PAYLOAD_TYPE) -> bytes:
    """The DSSE envelope (``signature.json``) over ``payload``."""
    return dumps_canonical({
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": key.keyid, "alg": "ed25519",
                        "sig": key.sign(pae(payload_type, payload))}],
    })


def container_bytes(members: dict[str, bytes], order: tuple[str, ...] = ALL_MEMBERS) -> bytes:
    """A ZIP of ``members`` in ``order`` (a packet's members by default), stored (no
    compression), fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name])
    return buf.getvalue()


def pack(manifest: dict[str, Any], tensors: dict[str, np.ndarray], graph: dict[str, Any],
         traces: dict[str, Any], anchors: dict[str, Any], key: SigningKey) -> bytes:
    """All members serialised, signed with ``key``, and packed; returns the file's bytes."""
    members = {
        "manifest.json": dumps_canonical(manifest),
        "tensors.safetensors": tensors_bytes(tensors),
        "graph.json": dumps_canonical(graph),
        "traces.json": dumps_canonical(traces),
        "anchors.json": dumps_canonical(anchors),
    }
    members[SIGNATURE] = envelope(signed_payload(members), key)
    return container_bytes(members)


def packet_digest(members: dict[str, bytes]) -> str:
    """The packet's identity: SHA-256 of its signed payload (stable across re-signing)."""
    return hashlib.sha256(signed_payload(members)).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
