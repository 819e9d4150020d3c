"""The shipped symbolic checkpoints load from assets and re-measure as recorded."""

from __future__ import annotations

import json

import pytest

from m2kt.domains.registry import SYMBOLIC_RECORD, get_task
from m2kt.domains.symbolic.train import accuracy
from m2kt.models.builtins import BUILTINS

RECORD = json.loads(SYMBOLIC_RECORD.read_text()) if SYMBOLIC_RECORD.is_file() else {"tasks": {}}


@pytest.mark.parametrize("name", ["taxonomy", "modular", "multistep"])
def test_shipped_teacher_remeasures_within_tolerance(name: str) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    rec = RECORD["tasks"][name]
    path = BUILTINS[f"sym-{name}-teacher"].locate()
    assert path is not None, "run python -m m2kt train-symbolic"
    model = AutoModelForSequenceClassification.from_pretrained(path, use_safetensors=True)
    tok = AutoTokenizer.from_pretrained(path)
    test = get_task(name).splits["test"]
    acc = accuracy(model, tok, [e.text for e in test], [e.label for e in test])
    assert abs(acc - rec["teacher"]["acc"]) <= 0.005
    assert rec["student"]["before_acc"] < acc - 0.2
    assert rec["split_sizes"] == get_task(name).split_sizes()


@pytest.mark.parametrize("name", ["taxonomy", "modular", "multistep"])
def test_symbolic_teacher_beats_the_start_on_dev_and_test(name: str) -> None:
    rec = RECORD["tasks"][name]
    for split in ("dev", "test"):  # validity's first rule (0.10), with room to spare
        assert rec["teacher"]["acc_by_split"][split] >= \
            rec["student"]["before_acc_by_split"][split] + 0.2


@pytest.mark.parametrize("name", ["taxonomy", "modular", "multistep"])
def test_shipped_student_is_smaller_and_differently_shaped(name: str) -> None:
    from m2kt.models import encode, load

    teacher = load(f"sym-{name}-teacher")
    student = load(f"sym-{name}-student")
    assert student.info.layers < teacher.info.layers
    assert student.info.parameters < teacher.info.parameters
    texts = [e.text for e in get_task(name).splits["test"][:8]]
    assert encode(student, texts).shape == (8, student.info.hidden_size)
    for d in (BUILTINS[f"sym-{name}-teacher"].locate(), BUILTINS[f"sym-{name}-student"].locate()):
        assert (d / "model.safetensors").stat().st_size < 5_000_000
