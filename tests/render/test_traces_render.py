"""Trace views: the student's agreement with the teacher's trace answers."""

from __future__ import annotations


def test_no_answer_is_never_counted_as_agreement() -> None:
    from m2kt.render.traces import agreement

    labels = {"c1": "animal", "c2": "plant"}
    # a pair-task student answers "—" to every trace: nothing agrees, nothing is counted
    assert agreement(["—", "—"], ["c1", "c2"], labels) == [None, None]
    assert agreement(["animal", "c1", "yes"], ["c1", "c2", "c2"], labels) == [True, False, False]


def test_sub_step_rows_show_each_named_step_teacher_and_student() -> None:
    from m2kt.render.traces import sub_step_rows

    labels = {"false": "False", "true": "True"}
    steps = [{"stage": "layer 15", "top": [["true", 0.6], ["false", 0.4]]},
             {"stage": "step 1", "input": "True and False", "top": [["false", 0.9], ["true", 0.1]]},
             {"stage": "step 2", "input": "not (True and False)",
              "top": [["true", 0.7], ["false", 0.3]]}]
    teacher_only = sub_step_rows(steps, labels)
    assert [r["sub-problem"] for r in teacher_only] == ["True and False", "not (True and False)"]
    assert [r["teacher"] for r in teacher_only] == ["False (90%)", "True (70%)"]
    assert "student" not in teacher_only[0]
    rows = sub_step_rows(steps, labels, ["false", "false"])
    assert [(r["student"], r["agree"]) for r in rows] == [("False", True), ("False", False)]


def test_sub_step_rows_keep_hostile_text_inert() -> None:
    from m2kt.render.traces import sub_step_rows

    rows = sub_step_rows([{"stage": "step 1", "input": "<script>x</script>\u202e**b**",
                           "top": [["a", 1.0]]}], {})
    # shown literally in a table cell (never HTML or Markdown): no bidi override reaches it
    assert "\u202e" not in rows[0]["sub-problem"]
    assert rows[0]["sub-problem"].startswith("<script>x</script>")
