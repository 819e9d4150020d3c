"""Gates as the pages show them (pure; no Streamlit): one row per gate, figures as text."""

from __future__ import annotations

from collections.abc import Sequence

from m2kt.render.escape import visible
from m2kt.verify.gates import status_of


def figure_text(x: float | None) -> str:
    """A gate figure as text, 4 significant digits: a p-value of 1.2e-80 reads ``1.2e-80``,
    not ``0`` (a table's default 4 decimals showed such p-values as 0)."""
    if x is None:
        return "—"
    return f"{x:.4g}"


def gate_rows(gates: Sequence[dict]) -> list[dict[str, object]]:
    """Rows ``name, stage, figure, threshold ("< 0.05"), passed, status, detail`` of gates
    as stored in an ingestion report or ``Gate.as_dict()``; text fields made visible."""
    return [{"name": visible(str(g["name"]), 120), "stage": g.get("stage", ""),
             "figure": figure_text(g.get("figure")),
             "threshold": f"{g.get('op', '')} {figure_text(g.get('threshold'))}".strip(),
             "passed": bool(g.get("passed")), "status": status_of(g),
             "detail": visible(str(g.get("detail") or ""), 200)}
            for g in gates]
