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



def test_nested_progress_fills_its_share_and_never_goes_back() -> None:
    """A sub-step's 0 → 1 maps into its caller's range; a later, smaller fraction keeps the
    bar where it was; the recorder finds the longest silence."""
    import time

    from m2kt.jobs import Job
    from m2kt.models.spec import Monotone, Recorder, within

    seen: list[tuple[str, float | None]] = []
    outer = Monotone(lambda m, f=None: seen.append((m, f)))
    inner = within(outer, 0.2, 0.6, "step 2/3: ")
    inner("half", 0.5)
    inner("unknown")
    outer("a smaller fraction", 0.1)
    assert seen == [("step 2/3: half", 0.4), ("step 2/3: unknown", None),
                    ("a smaller fraction", 0.4)]
    rec = Recorder()
    rec("a", 0.1)
    time.sleep(0.05)
    rec("b", 0.05)
    assert rec.gaps(1)[0][0] >= 0.05 and rec.gaps(1)[0][1:] == ("a", "b")
    assert not rec.fractions_monotone()
    job = Job("x")
    job.progress("one", 0.5)
    job.progress("two", 0.2)
    assert job.snapshot()["fraction"] == 0.5 and job.snapshot()["message"] == "two"
