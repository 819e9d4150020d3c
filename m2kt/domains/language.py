"""Language-track teachers and the student's starting point.

Teacher = the default teacher model (frozen, mean-pooled last layer) + a softmax head trained
on ``teacher_train`` only.  Features: the input's vector for ``supersense`` (a word) and
``gloss`` (a definition sentence); for ``hypernymy`` the pair features
``[h(x), h(y), h(x)·h(y), |h(x) − h(y)|]`` with ``h(y)`` the vector of the category's name.
Heads and their measured accuracies are cached in the workspace (``cache/teachers/``).

Student starting point (no labels, no teacher), measured on ``dev`` and ``test``: class tasks
— nearest concept name by cosine; ``hypernymy`` — "yes" when cos(h(x), h(y)) exceeds the
median cosine over the queried pairs (a label-free threshold for a balanced task).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from m2kt.config import workspace
from m2kt.domains.base import SPLITS, Example, Task
from m2kt.domains.names import LANGUAGE_TASKS
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


def reading(lm: LoadedModel, task: Task) -> tuple[list[int], str | None]:
    """How ``lm`` reads ``task``'s inputs: the layers whose pooled states are concatenated and
    the template (``None``: the model's own). Language tasks: the last layer, the model's
    template. Reasoning tasks read the bare problem text; a decoder reads the last token at the
    task's ``teacher_layers`` (an encoder, its last layer)."""
    if task.track != "reasoning":
        return [-1], None
    decoder = lm.info.default_pooling == "last"
    layers = [int(x) for x in task.params.get("teacher_layers", [-1])] if decoder else [-1]
    return layers, "" if lm.info.default_template is not None else None


def features(lm: LoadedModel, task: Task, examples: tuple[Example, ...] | list[Example],
             progress: Progress = no_progress, cache: bool = True) -> np.ndarray:
    """Input features of ``examples`` for ``task`` in model ``lm``: (n, d) or (n, 4d) float32
    (reasoning tasks read by a decoder: (n, d × its layers), :func:`reading`).
    ``cache=False`` encodes without the workspace cache (streamed inputs: memory stays flat)."""
    layers, template = reading(lm, task)

    def enc(texts: list[str], progress: Progress = no_progress) -> np.ndarray:
        if cache:
            from m2kt.models.embcache import cached_encode_layers

            hs = cached_encode_layers(lm, texts, layers, template=template, progress=progress)
        else:
            from m2kt.models.extract import encode

            hs = encode(lm, texts, layers=layers, template=template, progress=progress)
        return hs[0] if len(layers) == 1 else np.concatenate(list(hs), axis=1)

    xs = enc([e.text for e in examples], progress=progress)
    if task.name != "hypernymy":
        return xs
    names = {c.id: c.label for c in task.concepts}
    ys = enc([names[e.query] for e in examples])
    return np.concatenate([xs, ys, xs * ys, np.abs(xs - ys)], axis=1)


#: the default teachers' trained heads, shipped with the code (``train-teachers`` writes them)
#: so that a fresh workspace needs no training before its first packet
SHIPPED_HEADS = Path(__file__).resolve().parents[2] / "assets" / "teachers"


def _cache_path(task: Task, model: str) -> Path:
    """The head's cache file stem: keyed by task, model, seed, parameters and a digest of the
    ``teacher_train`` inputs, so a head is never reused across a change of splits."""
    import hashlib

    d = workspace().root / "cache" / "teachers"
    d.mkdir(parents=True, exist_ok=True)
    tag = json.dumps(task.params, sort_keys=True)
    train = hashlib.sha256("\n".join(f"{e.text}|{e.query}" for e in task.splits["teacher_train"])
                           .encode()).hexdigest()
    h = hashlib.sha256(f"{task.name}|{model}|{task.seed}|{tag}|{train}".encode()).hexdigest()[:12]
    return d / f"{task.name}-{model}-{h}"


def train_language_teacher(task: Task, model: str | None = None, device: str = "cpu",
                           progress: Progress = no_progress, retrain: bool = False
                           ) -> LanguageTeacher:
    """Train (or load from the workspace cache) the head of ``task``'s teacher on
    ``teacher_train`` (its L2 strength chosen on a slice of ``teacher_train``); measure
    accuracy on every split (``acc`` is the test figure the report quotes)."""
    from safetensors.numpy import load_file, save_file

    name = model or task.teacher
    base = _cache_path(task, name)
    st_path, js_path = base.with_suffix(".safetensors"), base.with_suffix(".json")
    # the workspace's own head first, then the one shipped in assets/teachers (same key: a
    # head is only reused for the exact same teacher_train inputs)
    for stem in () if retrain else (base, SHIPPED_HEADS / base.name):
        st_file, js_file = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
        if st_file.is_file() and js_file.is_file():
            return LanguageTeacher(task.name, name,
                                   LinearHead.from_tensors(load_file(str(st_file))),
                                   json.loads(js_file.read_text()))
    lm = load(name, device=device, progress=progress)
    t0 = time.perf_counter()
    feats = {s: features(lm, task, task.splits[s], progress) for s in SPLITS}
    t1 = time.perf_counter()
    ys = {s: np.array([e.label for e in task.splits[s]]) for s in SPLITS}
    head = fit_softmax(feats["teacher_train"], ys["teacher_train"], len(task.labels))
    t2 = time.perf_counter()
    acc = {s: float((head.predict(feats[s]) == ys[s]).mean()) for s in SPLITS}
    record = {"task": task.name, "teacher": name, "acc": acc["test"], "acc_by_split": acc,
              "head": "softmax (L-BFGS)", "l2": head.l2,
              "layer": reading(lm, task)[0] if task.track == "reasoning" else -1,
              "pooling": lm.info.default_pooling, "encode_seconds": round(t1 - t0, 1),
              "fit_seconds": round(t2 - t1, 1), "split_sizes": task.split_sizes(),
              "teacher_inputs": len(task.splits["teacher_train"])}
    save_file(head.tensors(), str(st_path))
    js_path.write_text(json.dumps(record, indent=2))
    return LanguageTeacher(task.name, name, head, record)


def zero_shot_accuracy(lm: LoadedModel, task: Task, split: str,
                       progress: Progress = no_progress) -> float:
    """The student's label-free starting point on ``split`` (see module doc)."""
    exs = task.splits[split]
    y = np.array([e.label for e in exs])
    if task.name != "hypernymy":
        pred = nearest_label(lm, [e.text for e in exs], [c.label for c in task.concepts],
                             progress)
        return float((pred == y).mean())
    xs = cached_encode(lm, [e.text for e in exs], progress=progress)
    xs = xs / np.linalg.norm(xs, axis=1, keepdims=True)
    names = cached_encode(lm, [c.label for c in task.concepts])
    names = names / np.linalg.norm(names, axis=1, keepdims=True)
    idx = {c.id: i for i, c in enumerate(task.concepts)}
    cos = np.einsum("nd,nd->n", xs, names[[idx[e.query] for e in exs]])
    pred = (cos > np.median(cos)).astype(int)
    return float((pred == y).mean())


def nearest_label(lm: LoadedModel, texts: list[str], labels: list[str],
                  progress: Progress = no_progress) -> np.ndarray:
    """The label-free answer (n,) label indices: each text's nearest concept label by the
    cosine of ``lm``'s own vectors — the student's starting point on a class task."""
    from m2kt.concepts.relative import profiles

    return profiles(cached_encode(lm, texts, progress=progress),
                    cached_encode(lm, labels)).argmax(1)


def zero_shot_method(task: Task) -> str:
    return ("cos(word, category name) > median" if task.name == "hypernymy"
            else "nearest concept name (cosine)")


def student_zero_shot(task: Task, model: str | None = None, device: str = "cpu",
                      progress: Progress = no_progress) -> dict:
    """The student's starting point (see module doc): ``acc`` on ``test`` (the report's
    figure) and ``acc_by_split`` on ``dev`` and ``test``."""
    name = model or task.student
    lm = load(name, device=device, progress=progress)
    by = {s: zero_shot_accuracy(lm, task, s, progress) for s in ("dev", "test")}
    return {"student": name, "acc": by["test"], "acc_by_split": by,
            "method": zero_shot_method(task)}


def ship_head(task: Task) -> list[Path]:
    """Copy the workspace's head of ``task``'s default teacher into ``assets/teachers``;
    returns the files written (none when the workspace has no head for it)."""
    import shutil

    base = _cache_path(task, task.teacher)
    SHIPPED_HEADS.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix in (".safetensors", ".json"):
        src = base.with_suffix(suffix)
        if src.is_file():
            out.append(Path(shutil.copyfile(src, SHIPPED_HEADS / src.name)))
    return out


def record_language_teachers(out: Path, seed: int = 0, device: str = "cpu",
                             retrain: bool = False, progress: Progress = no_progress,
                             tasks: tuple[str, ...] = LANGUAGE_TASKS,
                             command: str = "python -m m2kt train-teachers") -> dict:
    """Train (or reuse) the teachers of ``tasks`` (a text track's), ship their heads in
    ``assets/teachers``, measure the student's start, write ``out``."""
    from m2kt.domains.registry import get_task

    record: dict = {"command": command, "seed": seed, "tasks": {}}
    for name in tasks:
        task = get_task(name, seed=seed)
        teacher = train_language_teacher(task, device=device, progress=progress, retrain=retrain)
        ship_head(task)
        record["tasks"][name] = {"teacher": teacher.record,
                                 "student_before": student_zero_shot(task, device=device,
                                                                     progress=progress)}
    record["generated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record
