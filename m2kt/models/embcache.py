"""A workspace cache of pooled embeddings, so each text is encoded once per model setting.

Key: model name + weights location + layer + pooling + template + the text itself.  Stored as
one safetensors file per (model setting) whose metadata holds the texts in row order; entries
are appended. Each write replaces that one file atomically, so processes writing at once (Ray
workers, the workbench beside a CLI) can lose each other's new rows — recomputed on the next
read — but a vector is never served for another text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from m2kt.config import workspace
from m2kt.models.extract import encode, normalize_layer
from m2kt.models.loader import LoadedModel
from m2kt.models.spec import Progress, no_progress


def _setting_id(lm: LoadedModel, layer: int, pooling: str | None, template: str | None) -> str:
    # the weights' size and mtime are part of the key: a model retrained in place (same path)
    # must not be served its old vectors
    weights = [(f.name, f.stat().st_size, f.stat().st_mtime_ns)
               for f in sorted(lm.path.glob("*.safetensors"))] if lm.path.is_dir() else []
    # one key per layer however it is named: the last layer is -1 (as most callers name it),
    # the others their index — so layer -1 and layer L share their vectors
    idx = normalize_layer(layer, lm.info.layers)
    layer = -1 if idx == lm.info.layers else idx
    raw = json.dumps([lm.info.name, str(lm.path), layer, pooling or lm.info.default_pooling,
                      lm.info.default_template if template is None else template, weights])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _root(cache_dir: Path | None) -> Path:
    root = cache_dir or workspace().root / "cache" / "embeddings"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _load(root: Path, sid: str, d: int) -> tuple[list[str], np.ndarray]:
    """The texts (n,) and vectors (n, d) float32 cached under setting ``sid`` (empty when
    none or unreadable)."""
    from safetensors import safe_open

    path = root / f"{sid}.v2.safetensors"
    if path.is_file():
        try:
            with safe_open(str(path), framework="numpy") as fh:
                known = json.loads((fh.metadata() or {}).get("texts", "null"))
                mat = fh.get_tensor("vectors")
            if (isinstance(known, list) and len(known) == len(mat) and mat.ndim == 2
                    and mat.shape[1] == d):
                return known, mat
        except Exception:  # noqa: BLE001 — damaged or foreign: encode afresh
            pass
    return [], np.zeros((0, d), dtype=np.float32)


def _save(root: Path, sid: str, known: list[str], mat: np.ndarray) -> None:
    """Atomically replace the cache of setting ``sid``: vectors and their texts in one file."""
    from safetensors.numpy import save

    from m2kt.packet.writer import write_atomic

    data = save({"vectors": np.ascontiguousarray(mat)}, metadata={"texts": json.dumps(known)})
    write_atomic(root / f"{sid}.v2.safetensors", data)


def cached_encode_layers(
    lm: LoadedModel, texts: Sequence[str], layers: Sequence[int], pooling: str | None = None,
    template: str | None = None, progress: Progress = no_progress, cache_dir: Path | None = None,
) -> np.ndarray:
    """Like :func:`m2kt.models.encode` with several layers, (len(layers), n, d) float32: texts
    missing from any layer's cache are encoded once, all layers in one pass, and appended to
    every layer's cache; the rest is read from the workspace cache."""
    root = _root(cache_dir)
    d = lm.info.hidden_size
    sids = [_setting_id(lm, la, pooling, template) for la in layers]
    cached = [_load(root, sid, d) for sid in sids]
    positions = [{t: i for i, t in enumerate(known)} for known, _ in cached]
    missing = sorted({t for t in texts if any(t not in pos for pos in positions)})
    if missing:
        new = encode(lm, missing, layers=list(layers), pooling=pooling, template=template,
                     progress=progress)
        for j, (sid, (known, mat), pos) in enumerate(zip(sids, cached, positions, strict=True)):
            add = [i for i, t in enumerate(missing) if t not in pos]
            if not add:
                continue
            for r, i in enumerate(add):  # appended rows, in order
                pos[missing[i]] = len(known) + r
            known = known + [missing[i] for i in add]
            mat = np.concatenate([mat, new[j][add]])
            cached[j] = (known, mat)
            _save(root, sid, known, mat)
    return np.stack([mat[[pos[t] for t in texts]]
                     for (_, mat), pos in zip(cached, positions, strict=True)])


def cached_encode(
    lm: LoadedModel, texts: Sequence[str], layer: int = -1, pooling: str | None = None,
    template: str | None = None, progress: Progress = no_progress, cache_dir: Path | None = None,
) -> np.ndarray:
    """Like :func:`m2kt.models.encode` for one layer, (n, d) float32, but texts already encoded
    for this model setting are read from the workspace cache instead of recomputed."""
    return cached_encode_layers(lm, texts, [layer], pooling, template, progress, cache_dir)[0]
