"""Trace views: the student's agreement with the teacher's trace answers."""

from __future__ import annotations


def test_no_answer_is_never_counted_as_agreement() -> None:
    from m2kt.render.traces import agreement

    labels = {"c1": "animal", "c2": "plant"}
    # a pair-task student answers "—" to every trace: nothing agrees, nothing is counted
    assert agreement(["—", "—"], ["c1", "c2"], labels) == [None, None]
    assert agreement(["animal", "c1", "yes"], ["c1", "c2", "c2"], labels) == [True, False, False]
