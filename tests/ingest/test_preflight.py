"""Checks before training: an ingestion that cannot help stops with its reason and writes
nothing; ``force`` goes on and the report records why it would have stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m2kt.errors import PreflightStop
from m2kt.ingest.preflight import MIN_INPUTS, MIN_INPUTS_PER_CONCEPT


def _texts(path: Path, n: int) -> Path:
    path.write_text("".join(f"T and F or T and F or T and T or F and {'TF'[i % 2]}\n"
                            for i in range(n)))
    return path


def test_too_few_student_texts_stop_before_training(built, tmp_path: Path) -> None:
    from m2kt.ingest.trainer import ingest

    few = _texts(tmp_path / "few.txt", 11)
    with pytest.raises(PreflightStop, match="has 11 unlabelled texts") as err:
        ingest(built.packet, tmp_path / "s", inputs=few, steps=5)
    need = max(MIN_INPUTS, MIN_INPUTS_PER_CONCEPT * len(built.packet.concept_ids))
    assert f"at least {need}" in str(err.value) and "nothing was written" in str(err.value)
    assert not (tmp_path / "s").exists()
    r = ingest(built.packet, tmp_path / "forced", inputs=few, steps=5, force=True)
    report = json.loads((tmp_path / "forced" / "ingestion_report.json").read_text())
    assert report["preflight"]["stopped"].startswith("the student side has 11")
    assert r.out_dir.is_dir()


def test_enough_texts_go_ahead(built, tmp_path: Path) -> None:
    from m2kt.ingest.trainer import ingest

    r = ingest(built.packet, tmp_path / "s", inputs=_texts(tmp_path / "ok.txt", 60), steps=5)
    report = json.loads((r.out_dir / "ingestion_report.json").read_text())
    assert report["preflight"]["stopped"] is None and report["preflight"]["student_inputs"] == 60


def test_a_student_as_good_as_the_teacher_stops(monkeypatch) -> None:
    """The second reason: with the user's labelled examples, a student whose label-free
    answers already score the teacher's held-out accuracy has nothing to gain."""
    from types import SimpleNamespace

    from m2kt.ingest import preflight

    params = {"teacher_heldout_accuracy": 0.95}
    packet = SimpleNamespace(concept_ids=["a", "b", "c", "d"], manifest=SimpleNamespace(
        provenance=SimpleNamespace(recipe=SimpleNamespace(params=params))))
    run = SimpleNamespace(packet=packet, task=SimpleNamespace(
        splits={"transfer_pool": list(range(500))}))
    monkeypatch.setattr(preflight, "_start", lambda r: 1.0)  # answers every example already
    with pytest.raises(PreflightStop, match="already answers the labelled examples at 1.000"):
        preflight.check(run)
    assert preflight.check(run, force=True)["stopped"].startswith("the student already")
    monkeypatch.setattr(preflight, "_start", lambda r: 0.5)
    assert preflight.check(run)["stopped"] is None
