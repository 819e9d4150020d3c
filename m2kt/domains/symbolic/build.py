"""Regenerate the symbolic suite's shipped models: ``python -m m2kt train-symbolic``.

Writes ``<out>/<task>/teacher``, ``<out>/<task>/student`` (HF directories with safetensors and
the shared word-level tokenizer) and ``<out>/accuracies.json`` with the measured figures.
Each task's folder is written to a temporary sibling and renamed into place.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import torch

from m2kt.domains.symbolic.generators import modular_task, multistep_task, taxonomy_task
from m2kt.domains.symbolic.tokenizer import build_tokenizer, vocabulary
from m2kt.domains.symbolic.train import train_task, write_json
from m2kt.models.registry import pick_device
from m2kt.models.spec import Progress, no_progress

BUILDERS = {"taxonomy": taxonomy_task, "modular": modular_task, "multistep": multistep_task}


def suite_vocabulary(seed: int = 0) -> list[str]:
    """Every word of every symbolic task (all splits) plus the specials, sorted."""
    words = set()
    for build in BUILDERS.values():
        for split in build(seed=seed).splits.values():
            for ex in split:
                words.update(ex.text.split())
    return vocabulary(words)


def train_all(out: Path, tasks: list[str] | None = None, seed: int = 0, device: str = "cpu",
              progress: Progress = no_progress) -> dict:
    """Train the requested tasks' teachers and students into ``out``; return the record.

    Tasks not retrained keep their previous entry in ``accuracies.json``."""
    import json

    from m2kt.models.loader import quiet_transformers

    quiet_transformers()
    dev = pick_device(device)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(suite_vocabulary(seed))
    record_path = out / "accuracies.json"
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        record = {"tasks": {}}
    for name in tasks or list(BUILDERS):
        task = BUILDERS[name](seed=seed)
        progress(f"training {name}", 0.0)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out))
        try:
            rec = train_task(task, tok, tmp, seed=seed, progress=progress, device=dev)
            shutil.rmtree(out / name, ignore_errors=True)
            tmp.rename(out / name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        rec["device"] = dev
        rec["params"] = task.params
        try:  # another train-symbolic run may have written other tasks meanwhile: merge
            record = json.loads(record_path.read_text())
        except (OSError, ValueError):
            pass
        record["tasks"][name] = rec
        record["generated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record["command"] = "python -m m2kt train-symbolic"
        record["torch"] = torch.__version__
        write_json(record_path, record)
    return record
