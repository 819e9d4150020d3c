"""Every way a model reference can be wrong ends in one readable line and exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from m2kt.errors import (
    CorruptWeightsError,
    ModelPathError,
    NotAModelError,
    OfflineModelError,
    UnknownModelError,
    UnsupportedModelError,
)
from m2kt.models import load
from tests.conftest import run_cli


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _corrupt_truncated(d: Path) -> None:
    w = d / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])


def _corrupt_header(d: Path) -> None:
    (d / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")


def _pickle_only(d: Path) -> None:
    (d / "model.safetensors").unlink()
    (d / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")


def _no_config(d: Path) -> None:
    (d / "config.json").unlink()


def _bad_config(d: Path) -> None:
    (d / "config.json").write_text("{ this is not json")


def _unknown_arch(d: Path) -> None:
    (d / "config.json").write_text('{"model_type": "no-such-architecture-xyz"}')


CASES = [
    (_corrupt_truncated, CorruptWeightsError, "truncated"),
    (_corrupt_header, CorruptWeightsError, "corrupt"),
    (_pickle_only, UnsupportedModelError, "safetensors only"),
    (_no_config, NotAModelError, "no config.json"),
    (_bad_config, NotAModelError, "not valid JSON"),
    (_unknown_arch, UnsupportedModelError, "not supported"),
]


@pytest.mark.parametrize(("damage", "error", "words"), CASES, ids=[c[0].__name__ for c in CASES])
def test_damaged_dirs_api_and_cli(
    tmp_path: Path, tiny_bert_dir: Path, damage, error, words
) -> None:
    d = _copy(tiny_bert_dir, tmp_path / "model")
    damage(d)
    with pytest.raises(error, match=words):
        load(str(d))
    res = run_cli("encode", "--model", str(d), "dog")
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ERROR {error.__name__}: ")
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("not-a-builtin", UnknownModelError, "not a builtin"),
        ("/definitely/not/here", ModelPathError, "no such directory"),
        ("someorg/not-cached-model", OfflineModelError, "someorg/not-cached-model"),
    ],
)
def test_bad_names_api_and_cli(name: str, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        load(name)
    res = run_cli("encode", "--model", name, "dog")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1].startswith(f"ERROR {error.__name__}: ")


def test_offline_error_says_how_to_get_it() -> None:
    with pytest.raises(OfflineModelError, match="huggingface-cli download someorg/x"):
        load("someorg/x")


def test_file_instead_of_directory(tmp_path: Path) -> None:
    f = tmp_path / "weights.safetensors"
    f.write_bytes(b"\x00" * 16)
    with pytest.raises(ModelPathError, match="is a file"):
        load(str(f))


def test_layer_out_of_range_cli(tiny_bert_dir: Path) -> None:
    res = run_cli("encode", "--model", str(tiny_bert_dir), "--layer", "9", "dog")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1].startswith("ERROR LayerError: layer 9 is out of")


def test_usage_errors_exit_2() -> None:
    res = run_cli("no-such-verb")
    assert res.returncode == 2 and "ERROR UsageError" in res.stderr
    res = run_cli("encode", "--model", "minilm-l6", "--device", "tpu", "dog")
    assert res.returncode == 2 and "ERROR UsageError: device must be one of" in res.stderr


def test_model_path_outside_allowed_roots_is_refused(tmp_path, monkeypatch) -> None:
    from m2kt.errors import ModelPathError
    from m2kt.models.registry import resolve

    allowed = tmp_path / "allowed"
    (allowed / "m").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setenv("M2KT_MODEL_ROOTS", str(allowed))
    assert resolve(str(allowed / "m")).source == "local"
    with pytest.raises(ModelPathError, match="outside the allowed model folders"):
        resolve(str(tmp_path / "elsewhere"))
    link = allowed / "escape"
    link.symlink_to(tmp_path / "elsewhere")  # a symlink inside does not let a path out
    with pytest.raises(ModelPathError, match="outside"):
        resolve(str(link))
    monkeypatch.delenv("M2KT_MODEL_ROOTS")
    assert resolve(str(tmp_path / "elsewhere")).source == "local"
