"""Concept-space views: projections of teacher, student and aligned vectors, and the scatter
figure the Concept Manifolds page shows (pure functions; no Streamlit).

``project`` maps each group of vectors to 2 or 3 coordinates.  Teacher and aligned-student
vectors live in the same (teacher) space and share one projection fitted on both, so their
overlay is meaningful; the raw student space gets its own.  PCA is the default (milliseconds
for 10k points); UMAP and t-SNE are opt-in (tens of seconds for 10k points on 2 CPU cores).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from m2kt.render.escape import inert

PROJECTIONS = {"pca": "PCA (fast)", "umap": "UMAP (slow: ~10–60 s for 10k points)",
               "tsne": "t-SNE (slow: ~30–120 s for 10k points)"}


def project(x: np.ndarray, dims: int = 2, method: str = "pca", seed: int = 0) -> np.ndarray:
    """(n, d) → (n, dims) float32."""
    if dims not in (2, 3):
        raise ValueError("dims must be 2 or 3")
    x = np.asarray(x, dtype=np.float64)
    if method == "pca":
        xc = x - x.mean(0)
        _, _, vt = np.linalg.svd(xc, full_matrices=False)
        return (xc @ vt[:dims].T).astype(np.float32)
    if method == "umap":
        import umap

        return umap.UMAP(n_components=dims, random_state=seed).fit_transform(x).astype(
            np.float32)
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components=dims, random_state=seed, init="pca").fit_transform(x).astype(
            np.float32)
    raise ValueError(f"projection must be one of {', '.join(PROJECTIONS)}")


def displacement(aligned: np.ndarray, teacher: np.ndarray, labels: Sequence[int],
                 names: Sequence[str], min_inputs: int = 5) -> list[dict]:
    """Per concept with at least ``min_inputs`` inputs: distance between the aligned student's
    and the teacher's mean vector of the same inputs, relative to the teacher's spread —
    largest first.  Rarer concepts are left out: the mean of one or two inputs is noise, and
    it topped the table."""
    lab = np.asarray(labels)
    spread = float(np.sqrt(((teacher - teacher.mean(0)) ** 2).sum(1).mean())) or 1.0
    out = []
    for c in np.unique(lab):
        m = lab == c
        if m.sum() < min_inputs:
            continue
        d = float(np.linalg.norm(aligned[m].mean(0) - teacher[m].mean(0)))
        out.append({"concept": names[c], "inputs": int(m.sum()),
                    "displacement": round(d / spread, 4)})
    return sorted(out, key=lambda r: -r["displacement"])


#: how each space is drawn, as the legend names it
GROUP_MARKS = {"teacher": "teacher ○", "aligned": "aligned student ×", "student": "student ◇"}
#: plain names of the alignment figures (m2kt.align.metrics), for pages and reports
METRIC_NAMES = {
    "top1": "top-1 retrieval: an aligned input's nearest teacher vector is its own",
    "mean_rank": "mean rank of its own teacher vector (lower is better)",
    "cosine": "mean cosine to its own teacher vector",
    "cka": "linear CKA: similarity of the two spaces' geometry",
    "mutual_knn": "mutual 5-NN overlap: shared neighbours in both spaces",
}


#: concept colours (Tableau 10: distinct hues, readable on white)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")


def top_concepts(labels: Sequence[int], k: int = 8) -> list[int]:
    """The ``k`` most frequent concept indices of ``labels``, most frequent first."""
    vals, counts = np.unique(np.asarray(labels), return_counts=True)
    return [int(v) for v in vals[np.argsort(-counts, kind="stable")][:k]]


def scatter(groups: dict[str, np.ndarray], labels: Sequence[int], names: Sequence[str],
            texts: Sequence[str], highlight: Sequence[bool] | None = None,
            title: str = "") -> go.Figure:
    """One WebGL trace per (group, concept): ``groups`` maps a group name (teacher, student,
    aligned) to (n, 2|3) coordinates of the same n inputs.  Hover shows the input and its
    concept, escaped.  ``highlight`` marks search hits with larger, outlined markers."""
    lab = np.asarray(labels)
    dims = next(iter(groups.values())).shape[1]
    hover = np.array([inert(t, 80) for t in texts], dtype=object)
    # teacher: hollow rings; aligned: small solid crosses — same concept colour, told apart by
    # shape and fill (the legend says which is which)
    symbols = {"teacher": "circle-open", "student": "diamond", "aligned": "x"}
    sizes = {"teacher": 6, "aligned": 4, "student": 4}
    fig = go.Figure()
    # one colour per concept shown, in the order of their indices: up to len(PALETTE)
    # concepts never share a colour (colouring by index mod 10 gave 5 and 15 the same)
    colour = {int(c): PALETTE[i % len(PALETTE)] for i, c in enumerate(np.unique(lab))}
    for g, xy in groups.items():
        for c in np.unique(lab):
            m = lab == c
            kw = {"x": xy[m, 0], "y": xy[m, 1], "mode": "markers",
                  "name": f"{inert(names[c], 40)} · {GROUP_MARKS.get(g, inert(g, 20))}",
                  "legendgroup": inert(names[c], 40), "text": hover[m],
                  "hovertemplate": "%{text}<br>" + inert(names[c], 40) + f" ({g})<extra></extra>",
                  "marker": {"size": sizes.get(g, 4) if dims == 2 else 2.5,
                             "opacity": 0.55 if g == "teacher" else 0.85,
                             "color": colour[int(c)],
                             "symbol": symbols.get(g, "circle")}}
            if dims == 3:
                fig.add_trace(go.Scatter3d(z=xy[m, 2], **kw))
            else:
                fig.add_trace(go.Scattergl(**kw))
    if highlight is not None and np.any(highlight):
        h = np.asarray(highlight)
        for g, xy in groups.items():
            kw = {"x": xy[h, 0], "y": xy[h, 1], "mode": "markers+text", "text": hover[h],
                  "name": f"search hits ({inert(g, 20)})", "textposition": "top center",
                  "marker": {"size": 11, "color": "rgba(0,0,0,0)",
                             "line": {"width": 2, "color": "#111"}}}
            fig.add_trace(go.Scatter3d(z=xy[h, 2], **kw) if dims == 3 else go.Scattergl(**kw))
    fig.update_layout(title=inert(title, 120), height=620, legend={"font": {"size": 9}},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
