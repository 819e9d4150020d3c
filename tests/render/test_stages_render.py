"""Ingestion stages as the Align & Ingest page shows them."""

from __future__ import annotations

from m2kt.ingest.variants import VARIANTS
from m2kt.render.stages import plan_rows, stage_rows


def test_plan_rows_describe_every_stage_of_every_variant() -> None:
    for v in VARIANTS.values():
        rows = plan_rows(v.stages)
        assert [r["stage"] for r in rows] == list(v.stages)
        assert all(r["what it does"] for r in rows)


def test_stage_rows_format_figures_and_make_text_visible() -> None:
    rows = stage_rows([{"stage": "evaluation", "seconds": 1.23456,
                        "figures": {"accuracy": 0.294734, "split": "dev\u202e<b>x</b>"}}])
    assert rows[0]["stage"] == "evaluation" and rows[0]["seconds"] == "1.2"
    assert "accuracy 0.2947" in rows[0]["figures"]
    assert "\u202e" not in rows[0]["figures"]  # a bidi override is shown, not obeyed


def test_every_variant_runs_its_stages_in_the_pipeline_order() -> None:
    from m2kt.ingest.pipeline import STAGES

    order = list(STAGES)
    for v in VARIANTS.values():
        assert [order.index(s) for s in v.stages] == sorted(order.index(s) for s in v.stages)
        assert "cal-training" not in v.distinct_stages() and v.distinct_stages()[0] == v.stages[1]
