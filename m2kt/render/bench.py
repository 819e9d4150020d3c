"""Plotly figures of a bench report (pure functions; no Streamlit)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from m2kt.render.escape import inert


def accuracy_vs_inputs(name: str, entry: dict[str, Any]) -> go.Figure:
    """Accuracy against crossing inputs (log x): every KD curve (KD, KD + the student's pool,
    KD on M2KT's anchors), M2KT as one point, the prior, the teacher and the student's start
    as reference lines."""
    m = entry["methods"]
    fig = go.Figure()
    for key, label in (("kd_sweep", "KD (N random inputs)"),
                       ("kd_ssl_sweep", "KD + student's pool")):
        sweep = m.get(key) or []
        if sweep:
            fig.add_trace(go.Scatter(
                x=[p["inputs"] for p in sweep], y=[p["acc"] for p in sweep],
                mode="lines+markers", name=label,
                error_y={"type": "data", "array": [p.get("acc_std", 0.0) for p in sweep]}))
    if m.get("kd_anchor"):
        fig.add_trace(go.Scatter(
            x=[m["kd_anchor"]["inputs"]], y=[m["kd_anchor"]["acc"]], mode="markers",
            marker={"symbol": "square", "size": 10}, name="KD on M2KT's anchors",
            error_y={"type": "data", "array": [m["kd_anchor"].get("acc_std", 0.0)]}))
    fig.add_trace(go.Scatter(
        x=[max(1, m["m2kt"]["ledger"]["crossing_inputs"])], y=[m["m2kt"]["acc"]],
        mode="markers", marker={"symbol": "star", "size": 16}, name="M2KT",
        error_y={"type": "data", "array": [m["m2kt"].get("acc_std", 0.0)]}))
    lines = [("teacher", entry["teacher"]["acc"], "dash"),
             ("student before", entry["student_before"]["acc"], "dot"),
             ("prior", (m.get("prior") or {}).get("acc"), "dashdot")]
    for label, acc, dash in lines:
        if acc is not None:
            fig.add_hline(y=acc, line_dash=dash, annotation_text=label,
                          annotation_position="bottom right")
    fig.update_layout(title={"text": inert(name), "y": 0.97}, xaxis_title="crossing inputs (log)",
                      yaxis_title=f"{inert(entry.get('split', 'test'))} accuracy",
                      xaxis_type="log", height=360,
                      margin={"l": 40, "r": 10, "t": 90, "b": 40},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig
