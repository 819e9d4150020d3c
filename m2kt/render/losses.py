"""The composite loss's per-term curves of an ingestion, on a log axis (small terms stay
visible beside large ones)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

#: plain names for the loss terms (the engine's keys in parentheses on hover)
TERM_NAMES = {"geo": "geometric", "struct": "structural", "reason": "reasoning",
              "safe": "safety", "member": "membership", "total": "total"}


def loss_curves(steps: Sequence[dict[str, float]], terms: Sequence[str] = tuple(TERM_NAMES)
                ) -> go.Figure:
    """One line per term of ``steps`` (``[{"step": i, term: value, …}, …]``) with a positive
    value somewhere; log y axis. Terms switched off (all zero) are left out and named in the
    title."""
    fig = go.Figure()
    off = []
    for t in terms:
        ys = [s.get(t) for s in steps]
        if not any(y is not None and y > 0 for y in ys):
            if any(t in s for s in steps):
                off.append(TERM_NAMES.get(t, t))
            continue
        fig.add_trace(go.Scatter(
            x=[s["step"] for s in steps], y=[y if y and y > 0 else None for y in ys],
            mode="lines", name=TERM_NAMES.get(t, t),
            hovertemplate=f"{TERM_NAMES.get(t, t)} ({t}): %{{y:.4g}} at step %{{x}}"
                          "<extra></extra>"))
    title = "Loss per term (log scale)" + (f" — zero throughout: {', '.join(off)}" if off else "")
    fig.update_layout(title=title, height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis_title="step", yaxis_title="loss", yaxis_type="log",
                      legend={"orientation": "h"})
    return fig
