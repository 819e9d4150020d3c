"""Language-track teachers and the student's starting point.

Teacher = the default teacher model (frozen, mean-pooled last layer) + a softmax head trained
on ``teacher_train`` only.  Features: the word's vector for ``supersense``; for ``hypernymy``
the pair features ``[h(x), h(y), h(x)·h(y), |h(x) − h(y)|]`` with ``h(y)`` the vector of the
category's name.  Heads and their measured accuracies are cached in the workspace
(``cache/teachers/``).

Student starting point (no labels, no teacher): ``supersense`` — nearest concept name by
cosine; ``hypernymy`` — "yes" when cos(h(x), h(y)) exceeds the median cosine over the queried
pairs (a label-free threshold for a balanced task).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from m2kt.config import workspace
from m2kt.domains.base import SPLITS, Example, Task
from m2kt.heads import LinearHead, fit_softmax
from m2kt.models import load
from m2kt.models.embcache import cached_encode
from m2kt.models.loader import LoadedModel
from m2kt.models.spec import Progress, no_progress


@dataclass(frozen=True)
class LanguageTeacher:
    """A frozen encoder + trained head; ``record`` holds measured accuracies and timings."""

    task: str
    model: str
    head: LinearHead
    record: dict


def features(lm: LoadedModel, task: Task, examples: tuple[Example, ...] | list[Example],
             progress: Progress = no_progress) -> np.ndarray:
    """Input features of ``examples`` for ``task`` in model ``lm``: (n, d) or (n, 4d) float32."""
    xs = cached_encode(lm, [e.text for e in examples], progress=progress)
    if task.name != "hypernymy":
        return xs
    names = {c.id: c.label for c in task.concepts}
    ys = cached_encode(lm, [names[e.query] for e in examples])
    return np.concatenate([xs, ys, xs * ys, np.abs(xs - ys)], axis=1)


def _cache_path(task: Task, model: str) -> Path:
    d = workspace().root / "cache" / "teachers"
    d.mkdir(parents=True, exist_ok=True)
    tag = json.dumps(task.params, sort_keys=True)
    import hashlib

    h = hashlib.sha256(f"{task.name}|{model}|{task.seed}|{tag}".encode()).hexdigest()[:12]
    return d / f"{task.name}-{model}-{h}"


def train_language_teacher(task: Task, model: str | None = None, device: str = "cpu",
                           progress: Progress = no_progress, retrain: bool = False
                           ) -> LanguageTeacher:
    """Train (or load from the workspace cache) the head of ``task``'s teacher on
    ``teacher_train``; measure accuracy on every split."""
    from safetensors.numpy import load_file, save_file

    name = model or task.teacher
    base = _cache_path(task, name)
    st_path, js_path = base.with_suffix(".safetensors"), base.with_suffix(".json")
    if not retrain and st_path.is_file() and js_path.is_file():
        return LanguageTeacher(task.name, name, LinearHead.from_tensors(load_file(str(st_path))),
                               json.loads(js_path.read_text()))
    lm = load(name, device=device, progress=progress)
    t0 = time.perf_counter()
    feats = {s: features(lm, task, task.splits[s], progress) for s in SPLITS}
    t1 = time.perf_counter()
    ys = {s: np.array([e.label for e in task.splits[s]]) for s in SPLITS}
    head = fit_softmax(feats["teacher_train"], ys["teacher_train"], len(task.labels))
    t2 = time.perf_counter()
    acc = {s: float((head.predict(feats[s]) == ys[s]).mean()) for s in SPLITS}
    record = {"task": task.name, "teacher": name, "acc": acc["test"], "acc_by_split": acc,
              "head": "softmax (L-BFGS)", "l2": head.l2, "layer": -1,
              "pooling": lm.info.default_pooling, "encode_seconds": round(t1 - t0, 1),
              "fit_seconds": round(t2 - t1, 1), "split_sizes": task.split_sizes(),
              "teacher_inputs": len(task.splits["teacher_train"])}
    save_file(head.tensors(), str(st_path))
    js_path.write_text(json.dumps(record, indent=2))
    return LanguageTeacher(task.name, name, head, record)


def student_zero_shot(task: Task, model: str | None = None, device: str = "cpu",
                      progress: Progress = no_progress) -> dict:
    """The student's starting point on ``test`` (see module doc); returns method and acc."""
    name = model or task.student
    lm = load(name, device=device, progress=progress)
    test = task.splits["test"]
    y = np.array([e.label for e in test])
    xs = cached_encode(lm, [e.text for e in test], progress=progress)
    xs = xs / np.linalg.norm(xs, axis=1, keepdims=True)
    names = cached_encode(lm, [c.label for c in task.concepts])
    names = names / np.linalg.norm(names, axis=1, keepdims=True)
    if task.name == "hypernymy":
        idx = {c.id: i for i, c in enumerate(task.concepts)}
        cos = np.einsum("nd,nd->n", xs, names[[idx[e.query] for e in test]])
        pred = (cos > np.median(cos)).astype(int)
        method = "cos(word, category name) > median"
    else:
        pred = (xs @ names.T).argmax(1)
        method = "nearest concept name (cosine)"
    return {"student": name, "acc": float((pred == y).mean()), "method": method}


def record_language_teachers(out: Path, seed: int = 0, device: str = "cpu",
                             retrain: bool = False, progress: Progress = no_progress) -> dict:
    """Train (or reuse) both language teachers, measure the student's start, write ``out``."""
    from m2kt.domains.registry import get_task

    record: dict = {"command": "python -m m2kt train-teachers", "seed": seed, "tasks": {}}
    for name in ("supersense", "hypernymy"):
        task = get_task(name, seed=seed)
        teacher = train_language_teacher(task, device=device, progress=progress, retrain=retrain)
        record["tasks"][name] = {"teacher": teacher.record,
                                 "student_before": student_zero_shot(task, device=device,
                                                                     progress=progress)}
    record["generated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record
