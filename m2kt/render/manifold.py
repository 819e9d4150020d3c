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


def centroid_projection(centroids: np.ndarray, live: np.ndarray | None = None) -> np.ndarray:
    """An orthonormal (d, 2) projection: the two principal directions of the (live) concept
    centroids (k, d) — the plane in which the concepts are most spread apart."""
    c = np.asarray(centroids, np.float64)
    c = c[live] if live is not None else c
    _, _, vt = np.linalg.svd(c - c.mean(0), full_matrices=False)
    p = vt[:2].T
    if p.shape[1] < 2:  # fewer than two live concepts: any second direction
        p = np.linalg.qr(np.concatenate([p, np.eye(c.shape[1])[:, :2]], 1))[0][:, :2]
    return p


def ellipse(mean: np.ndarray, cov: np.ndarray, n_std: float = 2.0, points: int = 60
            ) -> np.ndarray:
    """The (points, 2) outline of the ``n_std`` ellipse of a 2-D Gaussian (mean (2,), cov
    (2, 2))."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    vals = np.clip(vals, 0.0, None)
    t = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(t), np.sin(t)], 1)
    return mean + n_std * (circle * np.sqrt(vals)) @ vecs.T


def manifold_ellipses(centroids: np.ndarray, basis: np.ndarray, spreads: np.ndarray,
                      residual_var: np.ndarray, proj: np.ndarray, n_std: float = 2.0
                      ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per concept, the packet's manifold drawn in the plane ``proj`` (d, 2): its projected
    centroid (2,) and the outline (60, 2) of the ``n_std`` ellipse of its low-rank-plus-
    isotropic Gaussian — covariance ``Bᵀ diag(s²) B + σ²(I − BᵀB)`` with basis B (r, d),
    spreads s (r,), residual variance σ² — projected: ``PᵀΣP``."""
    out = []
    for c, b, s, r in zip(centroids, basis, spreads, residual_var, strict=True):
        bp = np.asarray(b, np.float64) @ proj  # (r, 2)
        cov = bp.T @ (bp * (np.asarray(s, np.float64) ** 2)[:, None]) + float(r) * (
            np.eye(2) - bp.T @ bp)
        mu = np.asarray(c, np.float64) @ proj
        out.append((mu, ellipse(mu, cov, n_std)))
    return out


def manifold_figure(shapes: Sequence[tuple[np.ndarray, np.ndarray] | None],
                    names: Sequence[str],
                    shown: Sequence[int], moved: dict[int, np.ndarray] | None = None,
                    points: dict[int, np.ndarray] | None = None, focus: int | None = None,
                    title: str = "", moved_label: str = "aligned student",
                    subtitle: str = "") -> go.Figure:
    """Concept manifolds as shapes (``title`` and a smaller ``subtitle`` line above, both
    escaped): for each concept index in ``shown``, its ellipse outline
    and centroid from ``shapes`` (``(centroid (2,), outline (m, 2))`` per concept); with
    ``moved``, a second centroid per concept (e.g. the aligned student's) and an arrow from
    the first to it (the displacement); ``points``: faint dots per concept. ``focus``: one
    concept drawn bold, the others faded, so it stands out without labelling every point."""
    fig = go.Figure()
    colour = {int(c): PALETTE[i % len(PALETTE)] for i, c in enumerate(shown)}
    for c in shown:
        c = int(c)
        if shapes[c] is None:
            continue
        mu, outline = shapes[c]
        faded = focus is not None and c != focus
        col, name = colour[c], inert(names[c], 40)
        op = 0.25 if faded else 1.0
        if points is not None and c in points and len(points[c]):
            fig.add_trace(go.Scattergl(x=points[c][:, 0], y=points[c][:, 1], mode="markers",
                                       marker={"size": 3, "color": col,
                                               "opacity": 0.06 if faded else 0.25},
                                       legendgroup=name, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=outline[:, 0], y=outline[:, 1], mode="lines", fill="toself",
                                 line={"color": col, "width": 3 if c == focus else 1.5},
                                 fillcolor=col, opacity=0.12 * op if faded else 0.22,
                                 name=name, legendgroup=name, hoverinfo="text",
                                 text=f"{name}: the manifold's 2σ ellipse"))
        fig.add_trace(go.Scatter(x=[mu[0]], y=[mu[1]], mode="markers",
                                 marker={"symbol": "circle", "size": 11 if c == focus else 8,
                                         "color": col, "opacity": op,
                                         "line": {"width": 1, "color": "#222"}},
                                 legendgroup=name, showlegend=False,
                                 hovertemplate=f"{name}: centroid<extra></extra>"))
        if moved is not None and c in moved:
            m = moved[c]
            fig.add_trace(go.Scatter(x=[m[0]], y=[m[1]], mode="markers",
                                     marker={"symbol": "x", "size": 11 if c == focus else 9,
                                             "color": col, "opacity": op},
                                     legendgroup=name, showlegend=False,
                                     hovertemplate=f"{name}: {inert(moved_label, 40)}"
                                                   "<extra></extra>"))
            fig.add_annotation(x=m[0], y=m[1], ax=mu[0], ay=mu[1], xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2,
                               arrowwidth=2 if c == focus else 1, arrowcolor=col, opacity=op,
                               text="")
    head = inert(title, 140) + (f"<br><sup>{inert(subtitle, 200)}</sup>" if subtitle else "")
    fig.update_layout(title=head, height=620, legend={"font": {"size": 12}},
                      margin={"l": 10, "r": 10, "t": 70 if subtitle else 50, "b": 10},
                      xaxis={"title": "direction 1"}, yaxis={"title": "direction 2",
                                                             "scaleanchor": "x"})
    return fig


def empirical_shapes(xy: np.ndarray, labels: Sequence[int], k: int, n_std: float = 2.0
                     ) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per concept index below ``k``, the mean (2,) and ``n_std`` ellipse outline of its
    points in ``xy`` (n, 2) (None with fewer than 3 points): the shape a model's own vectors
    give a concept, for the view before alignment."""
    lab = np.asarray(labels)
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for c in range(k):
        p = np.asarray(xy, np.float64)[lab == c]
        if len(p) < 3:
            out.append(None)
            continue
        mu = p.mean(0)
        out.append((mu, ellipse(mu, np.cov(p.T), n_std)))
    return out
