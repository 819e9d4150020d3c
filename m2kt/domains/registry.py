"""Task lookup and the ``domains`` listing (recorded teacher accuracies included).

Recorded figures come from committed files produced by commands:
``assets/symbolic/accuracies.json`` (``python -m m2kt train-symbolic``) and
``assets/language_teachers.json`` (``python -m m2kt train-teachers``) and
``assets/reasoning_teachers.json`` (``python -m m2kt train-teachers --track reasoning``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from m2kt.domains import reasoning as _reasoning  # noqa: F401  (registers reasoning tasks)
from m2kt.domains import symbolic as _symbolic  # noqa: F401  (package import)
from m2kt.domains import wordnet as _wordnet  # noqa: F401  (registers language tasks)
from m2kt.domains.base import TASK_BUILDERS, Task
from m2kt.domains.symbolic import generators as _generators  # noqa: F401  (registers tasks)
from m2kt.errors import UsageError

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SYMBOLIC_DIR = ASSETS / "symbolic"
SYMBOLIC_RECORD = SYMBOLIC_DIR / "accuracies.json"
LANGUAGE_RECORD = ASSETS / "language_teachers.json"
REASONING_RECORD = ASSETS / "reasoning_teachers.json"
from m2kt.domains.names import TASKS  # noqa: E402  (re-exported)


def task_names() -> list[str]:
    """The built-in tasks, then the user's domains of this workspace (by name)."""
    from m2kt.domains.custom import list_domains

    return [*TASKS, *(r.name for r in list_domains())]


def get_task(name: str, seed: int = 0, **kwargs: Any) -> Task:
    """Build task ``name`` deterministically for ``seed``: a built-in task, else a domain the
    user added to this workspace (:mod:`m2kt.domains.custom`); unknown names are a UsageError."""
    if name in TASK_BUILDERS:
        return TASK_BUILDERS[name](seed=seed, **kwargs)
    from m2kt.domains.custom import custom_task, list_domains

    custom = [r.name for r in list_domains()]
    if name not in custom:
        raise UsageError(f"unknown task {name!r}; choose from {', '.join([*TASKS, *custom])}")
    return custom_task(name, seed=seed, **kwargs)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def recorded() -> dict[str, dict[str, Any]]:
    """Recorded teacher / student-start figures per task from the committed JSON files.

    ``teacher_acc`` and ``student_before_acc`` are the ``test`` figures (what reports quote);
    ``student_before_by_split`` holds the start on ``dev`` and ``test`` (gates score on dev)."""
    out: dict[str, dict[str, Any]] = {}
    for name, rec in _read(SYMBOLIC_RECORD).get("tasks", {}).items():
        st = rec["student"]
        out[name] = {"teacher_acc": rec["teacher"]["acc"],
                     "teacher_acc_by_split": rec["teacher"].get("acc_by_split", {}),
                     "student_before_acc": st["before_acc"],
                     "student_before_by_split": st.get("before_acc_by_split",
                                                       {"test": st["before_acc"]}),
                     "student_before_method": st["before_method"]}
    for name, rec in [*_read(LANGUAGE_RECORD).get("tasks", {}).items(),
                      *_read(REASONING_RECORD).get("tasks", {}).items()]:
        sb = rec["student_before"]
        out[name] = {"teacher_acc": rec["teacher"]["acc"],
                     "teacher_acc_by_split": rec["teacher"].get("acc_by_split", {}),
                     "student_before_acc": sb["acc"],
                     "student_before_by_split": sb.get("acc_by_split", {"test": sb["acc"]}),
                     "student_before_method": sb["method"]}
    return out


def student_start(name: str, split: str) -> float | None:
    """The recorded label-free starting point of task ``name``'s student on ``split``."""
    return recorded().get(name, {}).get("student_before_by_split", {}).get(split)


#: the committed full benchmark reports of the default pairs, one per track
#: (``python -m m2kt bench --track language|symbolic|reasoning --report docs/results/<dir>``)
FULL_REPORTS = tuple(ASSETS.parent / "docs" / "results" / d / "bench.json"
                     for d in ("full", "symbolic", "reasoning"))


def recorded_validity(reports: tuple[Path, ...] = FULL_REPORTS) -> dict[str, dict[str, Any]]:
    """Per task, the validity figures (docs/benchmark.md: teacher margin, prior share, KD-full
    share, verdict) of the committed benchmark reports, with each report's command and split;
    a task is absent when no report of protocol v3 (the strong prior arm) covers it."""
    out: dict[str, dict[str, Any]] = {}
    for report in reports:
        out.update(_validity_of(report))
    return out


def _validity_of(report: Path) -> dict[str, dict[str, Any]]:
    result = _read(report)
    if result.get("meta", {}).get("protocol") != "m2kt-bench/3":
        return {}
    meta = result["meta"]
    return {name: {**t["validity"], "prior_acc": t["methods"]["prior"]["acc"],
                   "kd_full_acc": t["methods"]["kd_full"]["acc"],
                   "teacher_acc": t["teacher"]["acc"],
                   "student_before_acc": t["student_before"]["acc"],
                   "split": t.get("split", meta.get("split")),
                   "source": f"{report.relative_to(ASSETS.parent).as_posix()} "
                             f"({meta.get('command')})"}
            for name, t in result.get("tasks", {}).items() if "validity" in t}


def list_tasks(seed: int = 0) -> list[dict[str, Any]]:
    """One row per task: track, description, label and concept counts, split sizes, models,
    the recorded teacher test accuracy and student starting point (``None`` if not recorded)
    and the validity figures of the committed full report (``None`` if not there)."""
    rec = recorded()
    val = recorded_validity()
    rows = []
    for name in TASKS:
        t = get_task(name, seed=seed)
        r = rec.get(name, {})
        rows.append({
            "name": name, "track": t.track, "description": t.description,
            "labels": len(t.labels), "concepts": len(t.concepts), "splits": t.split_sizes(),
            "teacher": t.teacher, "student": t.student,
            "teacher_acc": r.get("teacher_acc"), "student_before_acc": r.get("student_before_acc"),
            "student_before_method": r.get("student_before_method"),
            "reference_edges": t.reference.number_of_edges() if t.reference is not None else 0,
            "validity": val.get(name),
        })
    return rows
