"""The one rule for "beats its starting point": a one-sided binomial test against the start
or chance, whichever is higher."""

from __future__ import annotations

from m2kt.ingest.trainer import _above_start_gate
from m2kt.verify.stats import above_start


def test_noise_above_a_low_start_does_not_count() -> None:
    r = above_start(11 / 460, 460, 0.017, 1 / 47)  # modular: 11 right, chance 9.8
    assert r is not None and r.bar == 1 / 47 and not r.beats and 0.05 < r.p < 1


def test_a_clear_gain_counts_and_none_without_a_bar() -> None:
    r = above_start(0.26, 8520, 0.152, 1 / 26)
    assert r is not None and r.beats and r.p < 1e-6
    assert above_start(0.5, 100, None, None) is None
    assert above_start(0.6, None, 0.5).beats and above_start(0.6, None, 0.5).p is None


def test_the_ingestion_gate_uses_the_same_rule() -> None:
    assert not _above_start_gate(0.577, 213, 0.535, 0.5).passed  # taxonomy seed 0: p ≈ 0.12
    g = _above_start_gate(0.719, 2383, 0.496, 0.5)
    # the figure is the accuracy against the bar (chance 0.5 here: above the start), the
    # p-value readable in the detail
    assert g.passed and g.op == ">" and g.figure == 0.719 and g.threshold == 0.5
    assert "vs the chance 0.500" in g.detail and "p < 0.001" in g.detail
    below = _above_start_gate(0.40, 500, 0.62, 0.1)
    assert not below.passed and "BELOW the student's start" in below.detail


def test_p_values_read_as_people_read_them() -> None:
    from m2kt.verify.stats import format_p

    assert format_p(5.502e-267) == "p < 0.001" and format_p(0.0043) == "p = 0.004"
    assert format_p(0.0123) == "p = 0.01"
    assert format_p(0.34) == "p = 0.34" and format_p(None) == "—"


def test_a_gate_without_a_figure_is_not_a_pass() -> None:
    from m2kt.verify.gates import check, status_of, summary, table

    na = check("trace agreement", "post", None, 0.5, ">=")
    assert na.status == "n/a" and not na.passed and not na.failed
    ok, bad = check("a", "post", 0.9, 0.5, ">="), check("b", "post", 0.1, 0.5, ">=")
    assert (ok.status, bad.status) == ("pass", "fail") and bad.failed
    assert [status_of(g.as_dict()) for g in (ok, bad, na)] == ["pass", "fail", "n/a"]
    assert summary(["pass", "fail", "n/a"]) == "1 passed, 1 failed, 1 not applicable"
    assert "N/A" in table([na]) and "PASS" not in table([na])
