"""Check a Hugging Face model directory and load it with transformers, mapping every failure to
one readable :class:`~m2kt.errors.ModelError`.

Only safetensors weights are loaded: pickled ``pytorch_model.bin`` files are refused
(untrusted model paths must never execute code).  ``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m2kt.errors import (
    CorruptWeightsError,
    ModelPathError,
    NotAModelError,
    UnsupportedModelError,
)
from m2kt.models.spec import ModelInfo, ModelRef, Pooling

#: A safetensors header larger than this is refused before it is read.
MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024
DECODER_TYPES = {"llama", "gpt2", "gpt_neox", "mistral", "qwen2", "qwen3", "phi", "phi3", "gemma",
                 "gemma2", "gemma3", "opt", "bloom", "falcon", "gptj", "smollm3", "olmo", "olmo2"}
DECODER_TEMPLATE = 'The word "{}"'


@dataclass
class LoadedModel:
    """A model ready for hidden-state extraction. ``model`` is the base (headless) module."""

    ref: ModelRef
    path: Path
    model: Any
    tokenizer: Any
    info: ModelInfo
    device: str


def check_model_dir(path: Path) -> dict[str, Any]:
    """Validate that ``path`` is an HF model directory with intact safetensors weights.

    Returns the parsed ``config.json``.  Raises ModelPathError, NotAModelError,
    UnsupportedModelError or CorruptWeightsError with a message naming the problem.
    """
    if not path.exists():
        raise ModelPathError(f"no such directory: {path}")
    if not path.is_dir():
        raise ModelPathError(f"{path} is a file; pass the directory that holds config.json")
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise NotAModelError(
            f"{path} is not a Hugging Face model directory (no config.json found)"
        )
    try:
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAModelError(f"{cfg_file} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict) or "model_type" not in config:
        raise NotAModelError(f"{cfg_file} has no 'model_type': not a transformers config")
    weights = sorted(path.glob("*.safetensors"))
    if not weights:
        if any(path.glob("*.bin")) or any(path.glob("*.pt")) or any(path.glob("*.pth")):
            raise UnsupportedModelError(
                f"{path} has only pickled weights (*.bin/*.pt); m2kt loads safetensors "
                "only. Convert with: model.save_pretrained(dir, safe_serialization=True)"
            )
        raise NotAModelError(f"{path} has a config.json but no *.safetensors weights")
    for w in weights:
        check_safetensors(w)
    return config


def check_safetensors(path: Path) -> None:
    """Check a safetensors file's framing: header length, header JSON, tensor offsets in bounds.

    Reads only the header. Raises :class:`CorruptWeightsError` naming the file and the fault.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise CorruptWeightsError(f"weights file {path.name} is truncated ({size} bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_SAFETENSORS_HEADER or n > size - 8:
            raise CorruptWeightsError(
                f"weights file {path.name} is corrupt: header length {n} exceeds the file"
            )
        raw = fh.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptWeightsError(f"weights file {path.name} has a corrupt header: {exc}") from exc
    if not isinstance(header, dict):
        raise CorruptWeightsError(f"weights file {path.name} has a corrupt header")
    data_len = size - 8 - n
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        offs = meta.get("data_offsets") if isinstance(meta, dict) else None
        if (
            not isinstance(offs, list)
            or len(offs) != 2
            or not all(isinstance(o, int) for o in offs)
            or not 0 <= offs[0] <= offs[1] <= data_len
        ):
            raise CorruptWeightsError(
                f"weights file {path.name} is corrupt or truncated: tensor {name!r} "
                f"lies outside the {data_len}-byte data section"
            )


def quiet_transformers() -> None:
    """Silence transformers' per-load reports and tqdm bars (we report progress ourselves)."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def load_dir(ref: ModelRef, path: Path, device: str, info_overrides: dict[str, Any]) -> LoadedModel:
    """Load the checked directory ``path`` (tokenizer + headless model) onto ``device``."""
    import torch
    import transformers
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    config_dict = check_model_dir(path)
    quiet_transformers()
    try:
        config = AutoConfig.from_pretrained(path, trust_remote_code=False)
    except (ValueError, KeyError) as exc:
        raise UnsupportedModelError(
            f"model type {config_dict.get('model_type')!r} in {path} is not supported by the "
            f"installed transformers {transformers.__version__}"
        ) from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except Exception as exc:
        raise NotAModelError(f"{path} has no usable tokenizer: {exc}") from exc
    try:
        model = AutoModel.from_pretrained(
            path, config=config, use_safetensors=True, trust_remote_code=False,
            dtype=torch.float32,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        raise CorruptWeightsError(f"cannot load weights from {path}: {exc}") from exc
    model.eval().to(device)
    is_decoder = bool(
        getattr(config, "is_decoder", False)
        or config.model_type in DECODER_TYPES
        or any(a.endswith("ForCausalLM") for a in (config.architectures or []))
    )
    if is_decoder and tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    pooling: Pooling = "last" if is_decoder else "mean"
    info = ModelInfo(
        name=ref.name,
        source=ref.source,
        model_type=config.model_type,
        architecture=(config.architectures or [type(model).__name__])[0],
        layers=int(config.num_hidden_layers),
        hidden_size=int(config.hidden_size),
        parameters=int(sum(p.numel() for p in model.parameters())),
        tokenizer=type(tokenizer).__name__,
        vocab_size=int(getattr(tokenizer, "vocab_size", 0) or 0) or None,
        is_decoder=is_decoder,
        default_pooling=info_overrides.get("default_pooling", pooling),
        default_template=info_overrides.get(
            "default_template", DECODER_TEMPLATE if is_decoder else None
        ),
        extra={"path": str(path)},
    )
    return LoadedModel(ref=ref, path=path, model=model, tokenizer=tokenizer, info=info,
                       device=device)
