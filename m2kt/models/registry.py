"""Model registry: turn a user's model string into a :class:`ModelRef`, list what is available,
and load models once per process.

Resolution order for a string ``s``:

1. a builtin name (``minilm-l6``, ``minilm-l3``, ``smollm2-135m``);
2. an ingested student in the workspace (``$M2KT_HOME/students/<s>``);
3. a local directory when ``s`` looks like a path (starts with ``/``, ``.``, ``~``) or exists;
4. otherwise a Hugging Face hub id, served from the local HF cache (and downloaded when a
   network exists and ``HF_HUB_OFFLINE`` is not set).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

from m2kt.config import Workspace, workspace
from m2kt.errors import ModelPathError, OfflineModelError, UnknownModelError, UsageError
from m2kt.models.builtins import BUILTINS
from m2kt.models.loader import LoadedModel, load_dir
from m2kt.models.spec import ModelRef, Progress, no_progress

HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")
DEVICES = ("cpu", "cuda", "auto")

_cache: dict[tuple[ModelRef, str], LoadedModel] = {}
_lock = threading.Lock()


def resolve(name: str, ws: Workspace | None = None) -> ModelRef:
    """Resolve a builtin name, ingested student, local path or hub id (see module doc).

    Raises :class:`UnknownModelError` for a bare name that matches nothing and
    :class:`~m2kt.errors.ModelPathError` (at load time) for a path that does not exist.
    """
    name = name.strip()
    if not name:
        raise UsageError("empty model name")
    if name in BUILTINS:
        return ModelRef(name=name, source="builtin", location=name)
    ws = ws or workspace()
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) and (ws.students / name).is_dir():
        return ModelRef(name=name, source="ingested", location=str(ws.students / name))
    if name.startswith(("/", ".", "~")) or Path(name).exists():
        path = Path(name).expanduser().resolve()
        check_allowed_root(path)
        return ModelRef(name=name, source="local", location=str(path))
    if not HUB_ID.fullmatch(name):
        raise UnknownModelError(f"{name!r} is neither a builtin, a local directory nor a hub id")
    if "/" not in name and _hub_snapshot(name, local_only=True) is None:
        raise UnknownModelError(
            f"unknown model {name!r}: not a builtin ({', '.join(BUILTINS)}), not an ingested "
            "student, not an existing path, and not a model in the local Hugging Face cache"
        )
    return ModelRef(name=name, source="hub", location=name)


def pick_device(device: str) -> str:
    """Map ``cpu|cuda|auto`` to a torch device string; refuse cuda when none is present."""
    import torch

    if device not in DEVICES:
        raise UsageError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("device 'cuda' requested but torch sees no CUDA GPU; use --device cpu")
    return device


def allowed_roots() -> list[Path]:
    """Folders local model paths must lie under, from ``M2KT_MODEL_ROOTS`` (``os.pathsep``-
    separated); empty = no restriction (the single-user default).  The workspace's own
    students folder is always allowed."""
    raw = os.environ.get("M2KT_MODEL_ROOTS", "")
    roots = [Path(r).expanduser().resolve() for r in raw.split(os.pathsep) if r.strip()]
    return [*roots, workspace().students.resolve()] if roots else []


def check_allowed_root(path: Path) -> None:
    """Refuse a local model path (after resolving symlinks) outside the allowed roots."""
    roots = allowed_roots()
    if roots and not any(path == r or r in path.parents for r in roots):
        raise ModelPathError(f"{path} is outside the allowed model folders "
                             f"({', '.join(str(r) for r in roots)}; set by M2KT_MODEL_ROOTS)")


def _hub_snapshot(repo_id: str, local_only: bool) -> Path | None:
    """Path of a cached snapshot of ``repo_id`` (downloading it unless ``local_only``)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*", "*.tiktoken"]
    try:
        return Path(
            snapshot_download(repo_id, local_files_only=local_only, allow_patterns=patterns)
        )
    except LocalEntryNotFoundError:
        return None
    except Exception:  # network errors, repo not found, gated: all mean "not obtainable now"
        return None


def model_dir(ref: ModelRef, ws: Workspace | None = None, progress: Progress = no_progress) -> Path:
    """The HF directory behind ``ref``, materialising builtins and fetching hub ids as needed."""
    if ref.source == "builtin":
        return BUILTINS[ref.location].materialize(ws or workspace(), progress)
    if ref.source in ("local", "ingested"):
        return Path(ref.location)
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes")
    snap = _hub_snapshot(ref.location, local_only=True)
    if snap is None and not offline:
        progress(f"downloading {ref.location} from the Hugging Face hub", None)
        snap = _hub_snapshot(ref.location, local_only=False)
    if snap is None:
        raise OfflineModelError(
            f"hub model {ref.location!r} is not in the local Hugging Face cache and the hub "
            "cannot be reached; on a machine with network run "
            f"`huggingface-cli download {ref.location}` (then copy ~/.cache/huggingface) "
            "or pass a local directory instead"
        )
    return snap


def load(
    name_or_ref: str | ModelRef,
    device: str = "cpu",
    progress: Progress = no_progress,
    ws: Workspace | None = None,
) -> LoadedModel:
    """Load a model (once per process and device) and return it ready for extraction.

    Raises a :class:`~m2kt.errors.ModelError` subclass with a readable message on bad input.
    """
    ref = name_or_ref if isinstance(name_or_ref, ModelRef) else resolve(name_or_ref, ws)
    dev = pick_device(device)
    key = (ref, dev)
    with _lock:
        if key in _cache:
            return _cache[key]
        path = model_dir(ref, ws, progress)
        progress(f"loading {ref.name}", None)
        overrides: dict[str, Any] = {}
        if ref.source == "builtin":
            spec = BUILTINS[ref.location]
            overrides = {"default_pooling": spec.default_pooling,
                         "default_template": spec.default_template}
        loaded = load_dir(ref, path, dev, overrides)
        _cache[key] = loaded
        progress(f"{ref.name} loaded", 1.0)
        return loaded


def list_models(ws: Workspace | None = None) -> list[dict[str, Any]]:
    """Every model the registry knows without loading any: builtins, ingested students, and
    hub models found in the local HF cache. Each row: name, source, available, arch,
    hidden_size, layers, description."""
    ws = ws or workspace()
    rows: list[dict[str, Any]] = []
    for spec in BUILTINS.values():
        rows.append({
            "name": spec.name, "source": "builtin", "available": spec.available(),
            "arch": spec.architecture, "hidden_size": spec.hidden_size, "layers": spec.layers,
            "description": spec.description,
            "converted": (spec.cached_dir(ws) / "config.json").is_file()
            if spec.needs_conversion else None,
            **({} if spec.available() else {"hint": spec.install_hint}),
        })
    for d in sorted(p for p in ws.students.iterdir() if p.is_dir()):
        rows.append(_dir_row(d.name, "ingested", d, "ingested student"))
    rows.extend(_cached_hub_rows())
    return rows


def _dir_row(name: str, source: str, path: Path, description: str) -> dict[str, Any]:
    import json

    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        arch = (cfg.get("architectures") or [cfg.get("model_type", "?")])[0]
        return {"name": name, "source": source, "available": True, "arch": arch,
                "hidden_size": cfg.get("hidden_size", cfg.get("n_embd")),
                "layers": cfg.get("num_hidden_layers", cfg.get("n_layer")),
                "description": description}
    except (OSError, ValueError, AttributeError):
        return {"name": name, "source": source, "available": False, "arch": None,
                "hidden_size": None, "layers": None, "description": description + " (unreadable)"}


def _cached_hub_rows() -> list[dict[str, Any]]:
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir()
    except Exception:  # no cache directory yet, or an unreadable one
        return []
    rows = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        snap = max(repo.revisions, key=lambda r: r.last_modified).snapshot_path
        if (snap / "config.json").is_file():
            rows.append(_dir_row(repo.repo_id, "hub", snap, "Hugging Face cache"))
    return rows
