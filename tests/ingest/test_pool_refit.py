"""The helpers the pool-refitting stages share (m2kt.ingest.stages.pool_refit)."""

from __future__ import annotations

import numpy as np

from m2kt.ingest.stages.pool_refit import cal_norm, refit, shifted, tv_to_prior
from m2kt.ssl import margin_temperature


def test_shifted_moves_each_concepts_cloud_onto_its_centroid_keeping_its_shape() -> None:
    y = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0]])
    cent = np.array([[5.0, 5.0], [-1.0, -1.0]])
    out = shifted(y, np.array([0, 0, 1]), cent)
    assert np.allclose(out[:2].mean(0), cent[0]) and np.allclose(out[2], cent[1])
    assert np.allclose(out[1] - out[0], y[1] - y[0])  # the geometry inside a concept is kept


def test_tv_to_prior_is_half_the_l1_distance_of_the_answer_histogram() -> None:
    assert tv_to_prior(np.array([0, 0, 1, 1]), np.array([0.5, 0.5])) == 0.0
    assert tv_to_prior(np.array([0, 0, 0, 0]), np.array([0.5, 0.5])) == 0.5


def test_refit_raises_the_l2_until_the_map_keeps_the_norm_bound() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8))
    targets = x @ (rng.normal(size=(8, 4)) * 50)
    free = refit(x, targets, bound=1e9)
    bounded = refit(x, targets, bound=1.0)
    assert cal_norm(free.w) > 1.0 and cal_norm(bounded.w) <= 1.0
    assert bounded.alpha > free.alpha


def test_margin_temperature_is_the_median_top_two_gap_and_ignores_dead_columns() -> None:
    s = np.array([[3.0, 1.0, -np.inf], [5.0, 1.0, -np.inf], [2.0, 1.0, -np.inf]])
    assert margin_temperature(s) == 2.0
    assert margin_temperature(np.zeros((3, 2))) == 1e-6  # ties: floored, never zero
