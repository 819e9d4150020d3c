"""Reasoning-trace views (pure functions; no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from m2kt.render.escape import inert, visible
from m2kt.render.manifold import PALETTE


def step_path(steps: Sequence[dict], labels: dict[str, str], top: int = 4,
              title: str = "") -> go.Figure:
    """Probability of each concept that appears in any step's top list, across the ordered
    steps of one trace (layers, then hops).  ``steps``: ``[{"stage", "top": [[id, p], …]}]``."""
    stages = [inert(s["stage"], 40) for s in steps]
    seen: list[str] = []
    for s in steps:
        for cid, _ in s["top"][:top]:
            if cid not in seen:
                seen.append(cid)
    fig = go.Figure()
    for i, cid in enumerate(seen):
        ys = [next((p for c, p in s["top"] if c == cid), 0.0) for s in steps]
        fig.add_trace(go.Scatter(x=stages, y=ys, mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)]},
                                 name=inert(labels.get(cid, cid), 40)))
    fig.update_layout(title=inert(title, 120), height=360, yaxis_title="probability",
                      yaxis_range=[0, 1], xaxis_title="step",
                      margin={"l": 40, "r": 10, "t": 40, "b": 40})
    return fig


def agreement(student: Sequence[str], teacher: Sequence[str], labels: dict[str, str]
              ) -> list[bool | None]:
    """Per trace: does the student's answer equal the teacher's (by id or label)? ``None``
    where the student gave no answer in the teacher's terms ("—"): such rows are left out of
    any agreement rate, never counted as agreeing."""
    return [None if s == "—" else (s == t or labels.get(s, s) == labels.get(t, t))
            for s, t in zip(student, teacher, strict=True)]


def sub_step_rows(steps: Sequence[dict], labels: dict[str, str],
                  student: Sequence[str] | None = None) -> list[dict]:
    """The steps of one trace that name a sub-problem (``input``: reasoning-track traces) as
    table rows — step, sub-problem, the teacher's answer with its probability and, given the
    student's answers ``student`` (one per such step, in order), the student's and whether
    they agree. Text is returned raw: the page shows it in a table cell (never Markdown)."""
    named = [s for s in steps if s.get("input")]
    rows = []
    for k, s in enumerate(named):
        cid, p = s["top"][0] if s["top"] else ("—", 0.0)
        row = {"step": visible(s["stage"], 20), "sub-problem": visible(s["input"], 160),
               "teacher": f"{visible(labels.get(cid, cid), 40)} ({p:.0%})"}
        if student is not None:
            row["student"] = visible(labels.get(student[k], student[k]), 40)
            row["agree"] = agreement([student[k]], [cid], labels)[0]
        rows.append(row)
    return rows
