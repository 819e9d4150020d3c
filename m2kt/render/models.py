"""Figures for the Models page: how two models see the same words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from m2kt.render.escape import inert


def cosine_matrix(vecs: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarities of the rows of ``vecs`` (n, d) → (n, n), float64."""
    v = np.asarray(vecs, dtype=np.float64)
    v = v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)
    return v @ v.T


def similarity_agreement(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation of the off-diagonal entries of two (n, n) similarity matrices;
    ``None`` when fewer than 3 words make it meaningless."""
    n = a.shape[0]
    if n < 3:
        return None
    iu = np.triu_indices(n, k=1)
    x, y = a[iu], b[iu]
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def similarity_heatmaps(
    words: Sequence[str], left: np.ndarray, right: np.ndarray, left_name: str, right_name: str
) -> go.Figure:
    """Side-by-side cosine-similarity heatmaps of the same words in two models."""
    labels = [inert(w, 40) for w in words]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=(inert(left_name, 60), inert(right_name, 60)))
    for col, mat in ((1, cosine_matrix(left)), (2, cosine_matrix(right))):
        fig.add_trace(
            go.Heatmap(z=mat, x=labels, y=labels, zmin=-1, zmax=1, colorscale="RdBu",
                       reversescale=True, showscale=col == 2,
                       hovertemplate="%{y} · %{x}<br>cosine %{z:.3f}<extra></extra>"),
            row=1, col=col,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig
