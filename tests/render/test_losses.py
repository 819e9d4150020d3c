"""The ingestion's loss curves."""

from __future__ import annotations


def test_loss_curves_use_a_log_axis_and_name_switched_off_terms() -> None:
    from m2kt.render.losses import loss_curves

    steps = [{"step": i, "geo": 1.0 / (i + 1), "struct": 1e-4, "reason": 0.0, "safe": 0.5}
             for i in range(5)]
    fig = loss_curves(steps)
    assert fig.layout.yaxis.type == "log"
    assert [t.name for t in fig.data] == ["geometric", "structural", "safety"]
    assert "reasoning" in fig.layout.title.text  # zero throughout, said so
