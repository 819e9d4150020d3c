"""Task lookup and the ``domains`` listing (recorded teacher accuracies included).

Recorded figures come from committed files produced by commands:
``assets/symbolic/accuracies.json`` (``python -m m2kt train-symbolic``) and
``assets/language_teachers.json`` (``python -m m2kt train-teachers``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from m2kt.domains import symbolic as _symbolic  # noqa: F401  (package import)
from m2kt.domains import wordnet as _wordnet  # noqa: F401  (registers language tasks)
from m2kt.domains.base import TASK_BUILDERS, Task
from m2kt.domains.symbolic import generators as _generators  # noqa: F401  (registers tasks)
from m2kt.errors import UsageError

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SYMBOLIC_DIR = ASSETS / "symbolic"
SYMBOLIC_RECORD = SYMBOLIC_DIR / "accuracies.json"
LANGUAGE_RECORD = ASSETS / "language_teachers.json"
TASKS: tuple[str, ...] = ("supersense", "hypernymy", "taxonomy", "modular", "multistep")


def get_task(name: str, seed: int = 0, **kwargs: Any) -> Task:
    """Build task ``name`` deterministically for ``seed``; unknown names are a UsageError."""
    if name not in TASK_BUILDERS:
        raise UsageError(f"unknown task {name!r}; choose from {', '.join(TASKS)}")
    return TASK_BUILDERS[name](seed=seed, **kwargs)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def recorded() -> dict[str, dict[str, Any]]:
    """Recorded teacher / student-start figures per task from the committed JSON files."""
    out: dict[str, dict[str, Any]] = {}
    for name, rec in _read(SYMBOLIC_RECORD).get("tasks", {}).items():
        out[name] = {"teacher_acc": rec["teacher"]["acc"],
                     "student_before_acc": rec["student"]["before_acc"],
                     "student_before_method": rec["student"]["before_method"]}
    for name, rec in _read(LANGUAGE_RECORD).get("tasks", {}).items():
        out[name] = {"teacher_acc": rec["teacher"]["acc"],
                     "student_before_acc": rec["student_before"]["acc"],
                     "student_before_method": rec["student_before"]["method"]}
    return out


def list_tasks(seed: int = 0) -> list[dict[str, Any]]:
    """One row per task: track, description, label and concept counts, split sizes, models and
    the recorded teacher test accuracy and student starting point (``None`` if not recorded)."""
    rec = recorded()
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
        })
    return rows
