"""The poisoned-packet demo: a packet that passes every integrity check but lies.

``poison_swap(packet_bytes, a, b, key)`` re-signs a copy of a packet in which the manifolds of
concepts ``a`` and ``b`` (centroids at every layer, bases, spreads, variances, counts) are
swapped — so a student reading it would answer ``b`` for everything the teacher calls ``a``.
Signed with a trusted key it verifies; the safety gate on protected probes must catch it.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from m2kt.packet.signing import SigningKey
from m2kt.packet.strictjson import loads_strict
from m2kt.packet.tensors import parse_tensors
from m2kt.packet.writer import container_bytes, envelope, signed_payload, tensors_bytes


def poison_swap(data: bytes, a: str, b: str, key: SigningKey) -> bytes:
    """See module doc. ``a``/``b`` are concept ids of the packet."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = loads_strict(members["manifest.json"], "manifest.json")
    ids = [c["id"] for c in manifest["concepts"]]
    ia, ib = ids.index(a), ids.index(b)
    tensors = {k: np.array(v) for k, v in parse_tensors(members["tensors.safetensors"]).items()}
    for name, arr in tensors.items():
        if name == "anchors" or arr.ndim == 0 or arr.shape[0] != len(ids):
            continue
        arr[[ia, ib]] = arr[[ib, ia]]
    members["tensors.safetensors"] = tensors_bytes(tensors)
    members.pop("signature.json")
    members["signature.json"] = envelope(signed_payload(members), key)
    return container_bytes(members)
