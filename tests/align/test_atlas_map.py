"""The atlas map: an affine ridge map fitted on an atlas's pairs, its strength chosen on
held-out pairs."""

from __future__ import annotations

import numpy as np
import pytest

from m2kt.align.atlas import ALPHAS, fit_atlas_map


def test_an_exact_affine_relation_is_recovered() -> None:
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(400, 12))
    w, b = rng.normal(size=(12, 7)), rng.normal(size=7)
    m = fit_atlas_map(xs, xs @ w + b)
    assert m.alpha == min(ALPHAS) and m.r2 > 0.999  # no noise: the weakest shrinkage wins
    x_new = rng.normal(size=(5, 12))
    np.testing.assert_allclose(m.transform(x_new), x_new @ w + b, atol=0.05)


def test_noisy_few_pairs_choose_a_stronger_ridge() -> None:
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(40, 30))
    xt = xs @ rng.normal(size=(30, 4)) * 0.1 + rng.normal(size=(40, 4))  # mostly noise
    assert fit_atlas_map(xs, xt).alpha > min(ALPHAS)


def test_too_few_or_unequal_pairs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 5 pairs"):
        fit_atlas_map(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at least 5 pairs"):
        fit_atlas_map(np.zeros((10, 3)), np.zeros((9, 2)))
