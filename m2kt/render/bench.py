"""Plotly figures of a bench report (pure functions; no Streamlit)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from m2kt.render.escape import inert


def _x(p: dict[str, Any]) -> float:
    """A point's crossing count (reports before ledger v3: its inputs)."""
    return float((p.get("ledger") or {}).get("crossing_inputs", p.get("inputs", 0)))


def accuracy_vs_inputs(name: str, entry: dict[str, Any]) -> go.Figure:
    """Accuracy against crossing strings (log x): every KD curve (KD, KD + the student's pool,
    KD on the packet's public strings; each also with the teacher's class histogram), the
    strongest-KD envelope, KD on M2KT's anchors, M2KT as one point, the prior, the teacher and
    the student's start as reference lines."""
    from m2kt.bench.report import SWEEP_LABELS

    m = entry["methods"]
    fig = go.Figure()
    for key, label in SWEEP_LABELS.items():
        sweep = [p for p in m.get(key) or [] if _x(p) > 0]
        if sweep:
            fig.add_trace(go.Scatter(
                x=[_x(p) for p in sweep], y=[p["acc"] for p in sweep],
                mode="lines+markers", name=label,
                line={"dash": "dot"} if "prior" in key else None,
                error_y={"type": "data", "array": [p.get("acc_std", 0.0) for p in sweep]}))
    env = [p for p in entry.get("envelope") or [] if p["inputs"] > 0]
    if env:
        fig.add_trace(go.Scatter(x=[p["inputs"] for p in env], y=[p["acc"] for p in env],
                                 mode="lines", line={"color": "black", "width": 1},
                                 name="strongest KD (envelope)"))
    if m.get("kd_anchor") and m["kd_anchor"].get("inputs"):
        fig.add_trace(go.Scatter(
            x=[_x(m["kd_anchor"])], y=[m["kd_anchor"]["acc"]], mode="markers",
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
    fig.update_layout(title={"text": inert(name), "y": 0.97},
                      xaxis_title="crossing strings (log)",
                      yaxis_title=f"{inert(entry.get('split', 'test'))} accuracy",
                      xaxis_type="log", height=560,
                      margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      # below the axes: nine arms would otherwise squeeze the plot
                      legend={"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0,
                              "font": {"size": 10}})
    return fig
