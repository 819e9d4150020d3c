"""Counted progress messages: counts with separators, elapsed time, an estimate of the rest."""

from __future__ import annotations

import time


def test_counted_progress_says_how_far_how_long_and_how_much_is_left() -> None:
    from m2kt.models.spec import counted

    msg = counted("encoded", 4096, 21665, time.perf_counter() - 10)
    assert msg.startswith("encoded 4,096 / 21,665 · 10 s elapsed · ~")
    assert msg.endswith(" left")
    assert "left" not in counted("encoded", 5, 5, time.perf_counter())


def test_encode_reports_counted_progress(tiny_bert_dir) -> None:
    from m2kt.models import encode, load

    seen: list[str] = []
    lm = load(str(tiny_bert_dir))
    encode(lm, ["a", "b", "c"], batch_size=2, progress=lambda m, f=None: seen.append(m))
    assert seen[-1].startswith("encoded 3 / 3 ·") and "elapsed" in seen[-1]

