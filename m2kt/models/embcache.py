"""A workspace cache of pooled embeddings, so each text is encoded once per model setting.

Key: model name + weights location + layer + pooling + template + the text itself.  Stored as
one safetensors file per (model setting) with a JSON index of texts; entries are appended.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
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


def cached_encode(
    lm: LoadedModel, texts: Sequence[str], layer: int = -1, pooling: str | None = None,
    template: str | None = None, progress: Progress = no_progress, cache_dir: Path | None = None,
) -> np.ndarray:
    """Like :func:`m2kt.models.encode` for one layer, (n, d) float32, but texts already encoded
    for this model setting are read from the workspace cache instead of recomputed."""
    from safetensors.numpy import load_file, save_file

    root = cache_dir or workspace().root / "cache" / "embeddings"
    root.mkdir(parents=True, exist_ok=True)
    sid = _setting_id(lm, layer, pooling, template)
    vec_path, idx_path = root / f"{sid}.safetensors", root / f"{sid}.json"
    known: list[str] = []
    mat = np.zeros((0, lm.info.hidden_size), dtype=np.float32)
    if vec_path.is_file() and idx_path.is_file():
        try:
            known = json.loads(idx_path.read_text())
            mat = load_file(str(vec_path))["vectors"]
            if len(known) != len(mat):
                known, mat = [], mat[:0]
        except (OSError, ValueError):
            known, mat = [], mat[:0]
    pos = {t: i for i, t in enumerate(known)}
    missing = sorted({t for t in texts if t not in pos})
    if missing:
        new = encode(lm, missing, layers=layer, pooling=pooling, template=template,
                     progress=progress)
        mat = np.concatenate([mat, new])
        known = known + missing
        pos.update({t: len(known) - len(missing) + i for i, t in enumerate(missing)})
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        os.close(fd)
        save_file({"vectors": np.ascontiguousarray(mat)}, tmp)
        os.replace(tmp, vec_path)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(known, fh)
        os.replace(tmp, idx_path)
    return mat[[pos[t] for t in texts]]
