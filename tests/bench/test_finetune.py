"""The symbolic KD fine-tuner's temperature choice is remembered in the workspace: the same
inputs give the same choice without training again; other inputs choose afresh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from m2kt.bench.finetune import TEMPERATURES, Budget, Finetuner, cached_temperature


def test_the_temperature_choice_is_reused_and_keyed_by_its_inputs(
        tiny_bert_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ft = Finetuner(tiny_bert_dir, 2, Budget(min_steps=3, max_steps=3, epochs=1))
    texts = [f"{a} plus {b}" for a in range(6) for b in range(6)]
    targets = np.eye(2)[[(a + b) % 2 for a in range(6) for b in range(6)]]
    chosen = cached_temperature(ft, texts, targets, 0, "toy")
    assert chosen in TEMPERATURES and ft.temperature == chosen

    def refuse(*_a, **_k):
        raise AssertionError("trained again although the choice is cached")

    again = Finetuner(tiny_bert_dir, 2, Budget(min_steps=3, max_steps=3, epochs=1))
    monkeypatch.setattr(again, "choose_temperature", refuse)
    assert cached_temperature(again, texts, targets, 0, "toy") == chosen
    assert again.temperature == chosen
    with pytest.raises(AssertionError, match="trained again"):  # other targets: a new key
        cached_temperature(again, texts, targets[:, ::-1], 0, "toy")


def test_an_unreadable_cache_entry_is_chosen_afresh(tiny_bert_dir: Path) -> None:
    from m2kt.config import workspace

    ft = Finetuner(tiny_bert_dir, 2, Budget(min_steps=3, max_steps=3, epochs=1))
    texts, targets = ["a", "b", "c", "d"] * 5, np.eye(2)[[0, 1, 0, 1] * 5]
    first = cached_temperature(ft, texts, targets, 0, "garbled")
    [entry] = (workspace().root / "cache" / "kd-temperature").glob("garbled-*.json")
    entry.write_text('{"temperature": "7; rm -rf /"}')
    assert cached_temperature(ft, texts, targets, 0, "garbled") == first
    assert entry.read_text() == f'{{"temperature": {first}}}'
