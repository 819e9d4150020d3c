"""Anchor selection by typicality (TypiClust): the densest input of each cluster."""

from __future__ import annotations

import numpy as np

from m2kt.packet.build import ANCHOR_SELECTIONS, typical_picks


def test_typical_picks_the_densest_row_of_each_cluster() -> None:
    rng = np.random.default_rng(0)
    dense = rng.normal(scale=0.01, size=(30, 2))  # a tight knot at the origin …
    sparse = rng.normal(scale=1.0, size=(30, 2)) + 5  # … and a loose cloud far away
    outlier = np.array([[0.5, 0.5]])
    h = np.concatenate([dense, sparse, outlier])
    labels = np.array([0] * 30 + [1] * 30 + [0])
    picks = typical_picks(h, labels, 3, n_neighbours=5)
    assert len(picks) == 2  # cluster 2 is empty: nothing picked
    assert picks[0] < 30 and 30 <= picks[1] < 60  # never the outlier of cluster 0
    loose = h[30:60]
    near = np.sort(np.linalg.norm(loose[:, None] - loose[None], axis=2), 1)[:, 1:6].mean(1)
    assert picks[1] == 30 + int(np.argmin(near))  # the loose cloud's densest member


def test_typical_is_a_named_selection() -> None:
    assert "typical" in ANCHOR_SELECTIONS and "TypiClust" in ANCHOR_SELECTIONS["typical"]
