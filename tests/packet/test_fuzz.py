"""R2–R4, R6: truncation sweep, bit-flip / rename mutants, structure-aware fuzz, limit timing.

Sizes are set for the default tier; ``M2KT_FUZZ_SCALE=10`` (or more) runs a larger sweep.
"""

from __future__ import annotations

import io
import os
import random
import time
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m2kt.errors import PacketError
from m2kt.packet.reader import open_packet, report_packet
from tests.fixtures.packets import make_packet
from tests.packet.conftest import store

SCALE = int(os.environ.get("M2KT_FUZZ_SCALE", "1"))
VALID = make_packet()
TRUST = store()


def _must_reject(data: bytes) -> str:
    try:
        open_packet(data, TRUST)
    except PacketError as exc:
        return type(exc).__name__
    raise AssertionError("mutant accepted")


def test_truncation_at_every_byte_offset() -> None:
    """R2: a valid packet cut at every offset is refused with a PacketError, nothing else."""
    assert len(VALID) < 16_384
    kinds: dict[str, int] = {}
    for cut in range(len(VALID)):
        k = _must_reject(VALID[:cut])
        kinds[k] = kinds.get(k, 0) + 1
    assert sum(kinds.values()) == len(VALID)


def test_bit_flip_and_rename_mutants() -> None:
    """R3: ≥ 2,000 single-bit / single-byte / member-rename mutants, 100 % rejected."""
    rng = random.Random(1234)
    n = 2000 * SCALE
    names = [i.filename for i in zipfile.ZipFile(io.BytesIO(VALID)).infolist()]
    rejected = 0
    for i in range(n):
        data = bytearray(VALID)
        kind = i % 3
        if kind == 0:
            pos = rng.randrange(len(data))
            data[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            pos = rng.randrange(len(data))
            data[pos] = (data[pos] + rng.randrange(1, 256)) % 256
        else:
            old = rng.choice(names).encode()
            new = bytearray(old)
            j = rng.randrange(len(new))
            new[j] = (new[j] + rng.randrange(1, 26)) % 256 or 65
            data = bytearray(bytes(data).replace(old, bytes(new)))
        if bytes(data) == VALID:
            continue
        _must_reject(bytes(data))
        rejected += 1
    assert rejected >= 0.99 * n


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))


@st.composite
def perturbations(draw):
    """One perturbed field in manifest, graph, traces or tensors (signed afterwards)."""
    target = draw(st.sampled_from(["manifest", "concept", "graph", "trace", "tensor"]))
    value = draw(st.one_of(json_scalars, st.lists(json_scalars, max_size=3)))
    key = draw(st.sampled_from(["format", "labels", "layers", "main_layer", "d_teacher",
                                "id", "label", "members", "source", "target", "type",
                                "weight", "answer", "query", "stage", "extra"]))
    shape = draw(st.lists(st.integers(0, 9), min_size=0, max_size=3))
    fill = draw(st.sampled_from([0.0, 1.0, 1e-40, 3e38]))

    def mutate(p) -> None:
        if target == "manifest":
            p.manifest[key] = value
        elif target == "concept":
            p.manifest["concepts"][0][key] = value
        elif target == "graph":
            p.graph["edges"][0][key] = value
        elif target == "trace":
            p.traces["traces"][0][key] = value
        else:
            p.tensors["centroids.L1"] = np.full(shape, fill, dtype=np.float32)
    return mutate


@settings(max_examples=300 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(perturbations())
def test_structure_aware_fuzz(mutate) -> None:
    """R4: perturbed-but-signed packets: only PacketErrors; accepted ⇒ same digest twice."""
    try:
        data = make_packet(mutate)
    except (ValueError, TypeError):
        return  # the perturbation cannot even be serialised (e.g. NaN in canonical JSON)
    try:
        p = open_packet(data, TRUST)
    except PacketError:
        return
    assert open_packet(data, TRUST).digest == p.digest
    assert report_packet(data, TRUST).ok


@pytest.mark.parametrize("case", ["declared_huge_shape", "header_100mb", "deep_json",
                                  "ten_million_concepts", "zip_declares_huge"])
def test_limits_enforced_fast(case: str) -> None:
    """R6: each cap is enforced in well under a second."""
    import struct

    from tests.fixtures.make_bad_packets import _safetensors_raw, _zip
    if case == "declared_huge_shape":
        data = make_packet(lambda p: p.raw.__setitem__("tensors.safetensors", _safetensors_raw(
            {"x": ("F32", [2**40], b"")})))
    elif case == "header_100mb":
        data = make_packet(lambda p: p.raw.__setitem__(
            "tensors.safetensors", struct.pack("<Q", 100 * 2**20) + b"{"))
    elif case == "deep_json":
        data = make_packet(lambda p: p.raw.__setitem__("graph.json", b"[" * 10**5))
    elif case == "ten_million_concepts":
        data = _zip([("manifest.json", b"[" + b"{}," * 3_000_000 + b"{}]")])
    else:
        data = bytearray(_zip([("manifest.json", b"{}")]))
        cd = data.find(b"PK\x01\x02")
        struct.pack_into("<I", data, cd + 24, 2**31)  # uncompressed size in the directory
        data = bytes(data)
    t0 = time.perf_counter()
    with pytest.raises(PacketError):
        open_packet(data, TRUST)
    assert time.perf_counter() - t0 < 1.0
