"""Plotly figures of a bench report (pure functions; no Streamlit)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from m2kt.render.escape import inert


def accuracy_vs_inputs(name: str, entry: dict[str, Any]) -> go.Figure:
    """Accuracy against crossing inputs (log x): the KD sweep as a curve, M2KT as one point,
    the teacher and the student's start as reference lines."""
    m = entry["methods"]
    fig = go.Figure()
    sweep = m["kd_sweep"]
    fig.add_trace(go.Scatter(
        x=[p["inputs"] for p in sweep], y=[p["acc"] for p in sweep], mode="lines+markers",
        name="KD (N inputs)",
        error_y={"type": "data", "array": [p.get("acc_std", 0.0) for p in sweep]}))
    fig.add_trace(go.Scatter(
        x=[m["m2kt"]["ledger"]["crossing_inputs"]], y=[m["m2kt"]["acc"]], mode="markers",
        marker={"symbol": "star", "size": 16}, name="M2KT",
        error_y={"type": "data", "array": [m["m2kt"].get("acc_std", 0.0)]}))
    for key, label, dash in (("teacher", "teacher", "dash"),
                             ("student_before", "student before", "dot")):
        acc = entry[key]["acc"]
        if acc is not None:
            fig.add_hline(y=acc, line_dash=dash, annotation_text=label,
                          annotation_position="bottom right")
    fig.update_layout(title={"text": inert(name), "y": 0.97}, xaxis_title="crossing inputs (log)",
                      yaxis_title="test accuracy", xaxis_type="log", height=340,
                      margin={"l": 40, "r": 10, "t": 70, "b": 40},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig
