"""Pure figure builders: projections, displacement, WebGL scatter with escaped hover text."""

from __future__ import annotations

import numpy as np
import pytest

from m2kt.render.bench import accuracy_vs_inputs
from m2kt.render.manifold import displacement, project, scatter


def test_pca_projection_shapes_and_variance_order() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 10)) * np.arange(1, 11)[::-1]
    p2, p3 = project(x, 2), project(x, 3)
    assert p2.shape == (500, 2) and p3.shape == (500, 3)
    assert p2[:, 0].var() > p2[:, 1].var()
    with pytest.raises(ValueError):
        project(x, 4)


def test_displacement_zero_when_aligned_equals_teacher() -> None:
    rng = np.random.default_rng(1)
    t = rng.normal(size=(60, 5))
    lab = np.repeat([0, 1, 2], 20)
    rows = displacement(t.copy(), t, lab, ["a", "b", "c"])
    assert all(r["displacement"] == 0 for r in rows)
    moved = t.copy()
    moved[lab == 2] += 3.0
    assert displacement(moved, t, lab, ["a", "b", "c"])[0]["concept"] == "c"
    # a concept with fewer than min_inputs inputs is left out (its mean is noise)
    rare = np.array([0] * 58 + [1, 1])
    assert [r["concept"] for r in displacement(moved, t, rare, ["a", "b"])] == ["a"]


def test_scatter_uses_webgl_and_escapes_hover_for_10k_points() -> None:
    rng = np.random.default_rng(2)
    xy = rng.normal(size=(10_000, 2)).astype(np.float32)
    lab = rng.integers(0, 26, 10_000)
    texts = ["<img src=x onerror=alert(1)>"] + [f"w{i}" for i in range(9_999)]
    fig = scatter({"teacher": xy}, lab, [f"<b>c{i}</b>" for i in range(26)], texts,
                  highlight=[i == 0 for i in range(10_000)])
    assert {t.type for t in fig.data} == {"scattergl"}
    assert sum(len(t.x) for t in fig.data if not t.name.startswith("search")) == 10_000
    dump = fig.to_json()
    assert "<img" not in dump and "<b>c1" not in dump and "&lt;img" in dump
    fig3 = scatter({"teacher": rng.normal(size=(50, 3))}, lab[:50], ["x"] * 26, texts[:50])
    assert {t.type for t in fig3.data} == {"scatter3d"}


def test_bench_figure_has_every_kd_curve_and_the_m2kt_point() -> None:
    entry = {"teacher": {"acc": 0.9}, "student_before": {"acc": 0.5}, "split": "test",
             "methods": {"m2kt": {"acc": 0.8, "acc_std": 0.01,
                                  "ledger": {"crossing_inputs": 88}},
                         "prior": {"acc": 0.52},
                         "kd_anchor": {"acc": 0.7, "inputs": 64},
                         "kd_sweep": [{"inputs": 16, "acc": 0.6}, {"inputs": 256, "acc": 0.8}],
                         "kd_ssl_sweep": [{"inputs": 16, "acc": 0.65},
                                          {"inputs": 256, "acc": 0.81}]}}
    entry["envelope"] = [{"inputs": 16, "acc": 0.65, "arm": "kd_ssl"},
                         {"inputs": 256, "acc": 0.81, "arm": "kd_ssl"}]
    fig = accuracy_vs_inputs("<script>t</script>", entry)
    assert [t.name for t in fig.data] == ["KD", "KD + pool", "strongest KD (envelope)",
                                          "KD on M2KT's anchors", "M2KT"]
    assert "<script>" not in fig.to_json()
    assert {a.text for a in fig.layout.annotations} == {"teacher", "student before", "prior"}


def test_scatter_gives_every_shown_concept_its_own_colour() -> None:
    # concepts 3 and 13 shared a colour when colours were picked by index mod 10
    rng = np.random.default_rng(3)
    shown = [0, 3, 5, 7, 13, 15, 20, 25]
    lab = np.repeat(shown, 10)
    xy = rng.normal(size=(len(lab), 2))
    fig = scatter({"teacher": xy, "aligned": xy}, lab, [f"c{i}" for i in range(26)],
                  [""] * len(lab))
    by_concept = {t.legendgroup: t.marker.color for t in fig.data}
    assert len(by_concept) == len(shown) and len(set(by_concept.values())) == len(shown)
    # teacher and aligned points of one concept share its colour (told apart by shape)
    for t in fig.data:
        assert t.marker.color == by_concept[t.legendgroup]


def test_manifolds_are_drawn_as_their_projected_gaussians() -> None:
    """A concept whose manifold spreads along one direction is drawn as an ellipse elongated
    along that direction's projection, centred on its projected centroid; the aligned
    student's centre gets an arrow from the concept's."""
    from m2kt.render.manifold import (
        centroid_projection,
        empirical_shapes,
        manifold_ellipses,
        manifold_figure,
    )

    d = 6
    cent = np.zeros((2, d), np.float32)
    cent[0, 0], cent[1, 1] = 5.0, 5.0
    basis = np.zeros((2, 1, d), np.float32)
    basis[0, 0, 0] = basis[1, 0, 1] = 1.0  # each spreads along its own axis
    spreads = np.array([[2.0], [0.5]], np.float32)
    resid = np.array([0.01, 0.01], np.float32)
    proj = centroid_projection(cent)
    shapes = manifold_ellipses(cent, basis, spreads, resid, proj)
    for (mu, outline), c in zip(shapes, cent, strict=True):
        assert np.allclose(mu, c @ proj, atol=1e-6)
        assert np.allclose(outline.mean(0), mu, atol=0.05)
    long_axis = np.ptp(shapes[0][1] @ proj.T @ np.eye(d)[0])  # extent along axis 0
    assert long_axis == pytest.approx(2 * 2 * 2.0, rel=0.02)  # 2σ each way, σ = 2
    fig = manifold_figure(shapes, ["<b>a</b>", "b"], [0, 1], moved={0: shapes[0][0] + 1},
                          focus=0)
    assert len(fig.layout.annotations) == 1 and "<b>" not in fig.to_json()
    pts = np.random.default_rng(0).normal(size=(40, 2))
    emp = empirical_shapes(pts, [0] * 20 + [1] * 18 + [2] * 2, 3)
    assert emp[2] is None and emp[0] is not None
