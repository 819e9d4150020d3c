"""Ingestion's pipeline stages as the pages show them (pure; no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

from m2kt.render.escape import visible
from m2kt.render.gates import figure_text


def _value(v: object) -> str:
    return figure_text(v) if isinstance(v, float) else visible(str(v), 60)


def stage_rows(stages: Sequence[dict]) -> list[dict[str, object]]:
    """Rows ``stage, seconds`` (text, 1 decimal), ``figures`` for the stage records of an ingestion
    (``IngestResult.extra["stages"]`` or a report's ``stages``); figures as ``name value``
    pairs joined by "; ", floats to 4 significant digits, text made visible (what each stage
    does: :func:`plan_rows`)."""
    return [{"stage": s["stage"], "seconds": f"{float(s.get('seconds', 0.0)):.1f}",
             "figures": "; ".join(f"{visible(str(k), 60)} {_value(v)}"
                                  for k, v in (s.get("figures") or {}).items())}
            for s in stages]


def plan_rows(stages: Sequence[str]) -> list[dict[str, str]]:
    """Rows ``stage, what it does`` of a variant's stage list, before it runs."""
    from m2kt.ingest.variants import STAGE_DESCRIPTIONS

    return [{"stage": s, "what it does": STAGE_DESCRIPTIONS.get(s, "")} for s in stages]

