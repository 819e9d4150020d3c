"""The atlas artefact: what build writes, read returns; every altered or hostile atlas is
refused with an error that names what is wrong."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from m2kt.atlas import atlas_strings, build_atlas, read_atlas
from m2kt.atlas.artefact import VECTORS, pack_atlas
from m2kt.errors import (
    FormatError,
    IntegrityError,
    SchemaError,
    SemanticError,
    SignatureError,
    TrustError,
)
from m2kt.packet.trust import TrustedKey, TrustStore
from tests.conftest import run_cli
from tests.fixtures.packets import fixed_key

TEACHER = {"name": "minilm-l6", "weights_sha256": "ab" * 32, "hidden_size": 8, "layer": -1,
           "pooling": "mean"}


def _store(*seeds: int) -> TrustStore:
    keys = [fixed_key(s) for s in seeds]
    return TrustStore({k.keyid: TrustedKey(k.keyid, k.public, "test") for k in keys}, "test")


def _atlas(strings: list[str] | None = None, vectors: np.ndarray | None = None,
           teacher: dict | None = None, seed: int = 1) -> bytes:
    strings = strings or ["alpha", "beta", "gamma"]
    if vectors is None:
        vectors = np.random.default_rng(0).normal(size=(len(strings), 8)).astype(np.float32)
    return pack_atlas(teacher or TEACHER, strings, vectors, fixed_key(seed))


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_atlas_strings_are_the_vocabulary_head_for_every_task() -> None:
    s = atlas_strings(50)
    assert len(s) == len(set(s)) == 50 and s == atlas_strings(60)[:50]
    assert all(w.isalpha() and w.islower() for w in s)
    with pytest.raises(ValueError, match="strings"):
        atlas_strings(0)


def test_a_packed_atlas_reads_back_exactly() -> None:
    v = np.arange(24, dtype=np.float32).reshape(3, 8) / 10
    data = _atlas(vectors=v)
    a = read_atlas(data, _store(1))
    assert a.strings == ("alpha", "beta", "gamma") and a.teacher.name == "minilm-l6"
    np.testing.assert_array_equal(a.vectors, v)
    assert a.keyid == fixed_key(1).keyid and a.size == len(data) and len(a.digest) == 64
    # the digest names the signed content: other vectors, another digest
    assert read_atlas(_atlas(vectors=v + 1), _store(1)).digest != a.digest


def test_a_built_atlas_holds_the_teachers_own_vectors(tmp_path: Path) -> None:
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode_layers

    data = build_atlas("minilm-l6", 20, fixed_key(1))
    a = read_atlas(data, _store(1))
    assert list(a.strings) == atlas_strings(20) and a.vectors.shape == (20, 384)
    want = cached_encode_layers(load("minilm-l6"), atlas_strings(20), [-1])[0]
    np.testing.assert_allclose(a.vectors, want, rtol=0, atol=1e-6)


def test_an_untrusted_key_is_refused() -> None:
    with pytest.raises(TrustError, match="not in the trust store"):
        read_atlas(_atlas(seed=2), _store(1))


def test_a_byte_changed_after_signing_is_refused() -> None:
    data = bytearray(_atlas())
    i = bytes(data).index(b"alpha")
    data[i] = ord("A")
    with pytest.raises((IntegrityError, FormatError)):
        read_atlas(bytes(data), _store(1))


def test_members_swapped_between_two_signed_atlases_are_refused() -> None:
    a, b = _members(_atlas()), _members(_atlas(vectors=np.ones((3, 8), np.float32)))
    from m2kt.atlas.artefact import MEMBERS
    from m2kt.packet.writer import container_bytes

    mixed = container_bytes({**a, VECTORS: b[VECTORS]}, MEMBERS)
    with pytest.raises(IntegrityError, match="does not match its signed digest"):
        read_atlas(mixed, _store(1))


def test_a_packet_is_not_an_atlas() -> None:
    from tests.fixtures.packets import make_packet

    with pytest.raises(IntegrityError, match="atlas members do not match"):
        read_atlas(make_packet(), _store(1))


@pytest.mark.parametrize(("case", "error", "words"), [
    ("shape", SemanticError, "shape"),
    ("nan", SemanticError, "finite|NaN|non-finite"),
    ("repeat", SemanticError, "repeat"),
    ("empty string", SchemaError, "strings"),
    ("html", None, None),
])
def test_signed_but_wrong_content_is_refused(case: str, error, words) -> None:
    """Signed by a trusted key, and still wrong: the reader checks content, not only bytes."""
    rng = np.random.default_rng(0)
    strings, vectors = ["alpha", "beta", "gamma"], rng.normal(size=(3, 8)).astype(np.float32)
    if case == "shape":
        vectors = vectors[:2]
    elif case == "nan":
        vectors[1, 3] = np.nan
    elif case == "repeat":
        strings = ["alpha", "beta", "alpha"]
    elif case == "empty string":
        strings = ["alpha", "", "gamma"]
    elif case == "html":
        strings = ["<script>alert(1)</script>", "**bold**", "gamma"]
    data = _atlas(strings, vectors)
    if error is None:  # strings are data: kept as they are, never interpreted
        assert read_atlas(data, _store(1)).strings[0] == "<script>alert(1)</script>"
        return
    with pytest.raises(error, match=words):
        read_atlas(data, _store(1))


def test_a_garbage_file_is_refused_with_a_reason() -> None:
    with pytest.raises(FormatError, match="not an m2kt atlas"):
        read_atlas(b"hello", _store(1))
    with pytest.raises(SignatureError):
        m = _members(_atlas())
        from m2kt.atlas.artefact import MEMBERS, SIGNATURE
        from m2kt.packet.writer import container_bytes

        read_atlas(container_bytes({**m, SIGNATURE: b'{"payloadType": "x"}'}, MEMBERS),
                   _store(1))


def test_build_and_inspect_atlas_through_the_cli(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert run_cli("keygen", "--out", str(keys)).returncode == 0
    out = tmp_path / "a.m2kt-atlas"
    r = run_cli("build-atlas", "--teacher", "minilm-l6", "--key", str(keys / "teacher.key"),
                "--out", str(out), "--strings", "30")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "30 strings from minilm-l6, digest " in r.stdout
    built = r.stdout
    r = run_cli("inspect-atlas", str(out), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    import json

    info = json.loads(r.stdout)
    assert info["strings"] == 30 and info["dim"] == 384 and info["teacher"]["name"] == "minilm-l6"
    assert f"digest {info['digest']}" in built  # what build printed is what a reader checks
    # a bad size is refused before any model loads, with the range
    r = run_cli("build-atlas", "--teacher", "minilm-l6", "--key", str(keys / "teacher.key"),
                "--out", str(tmp_path / "c"), "--strings", "0")
    assert r.returncode != 0 and "--strings" in r.stderr and "not 0" in r.stderr
    assert not (tmp_path / "c").exists()
    r = run_cli("inspect-atlas", str(tmp_path / "missing.m2kt-atlas"))
    assert r.returncode != 0 and "no atlas file" in r.stderr
