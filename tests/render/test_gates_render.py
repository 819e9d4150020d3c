"""Gates as the pages show them: figures as text that keeps tiny p-values."""

from __future__ import annotations

from m2kt.render.gates import figure_text, gate_rows
from m2kt.verify.gates import check


def test_a_tiny_p_value_is_not_shown_as_zero() -> None:
    # the issue: a binomial p of ~1e-80 was rounded to 4 decimals and shown as figure 0
    g = check("held-out accuracy above the student's start (binomial p)", "post", 1.234567e-80,
              0.05, "<")
    assert g.figure == 1.235e-80 and g.passed
    row = gate_rows([g.as_dict()])[0]
    assert row["figure"] == "1.235e-80" and row["threshold"] == "< 0.05"
    assert row["status"] == "pass" and row["passed"] is True


def test_rows_read_reports_of_every_age_and_escape_text() -> None:
    # an older report (no status) with a not-applicable figure and a bidi override in a name
    rows = gate_rows([{"name": "x\u202ey", "figure": None, "threshold": 0.5, "op": ">=",
                       "passed": False, "detail": ""}])
    assert rows[0]["figure"] == "—" and rows[0]["status"] == "fail"
    assert rows[0]["name"] == "x\\u202ey"
    assert figure_text(0.50251) == "0.5025" and figure_text(25.0) == "25"
