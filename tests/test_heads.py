"""Softmax heads: the L2 strength is chosen on a validation slice; warm starts along the grid
reach the same (convex) optimum as a start from zeros."""

from __future__ import annotations

import numpy as np

from m2kt.heads import _fit, fit_softmax


def _data(n: int = 1500, d: int = 32, k: int = 5):
    rng = np.random.default_rng(0)
    c = rng.normal(size=(k, d))
    y = rng.integers(0, k, n)
    x = (c[y] * 1.0 + rng.normal(size=(n, d))).astype(np.float32)
    return x, y, k


def test_warm_start_reaches_the_zero_start_optimum() -> None:
    x, y, k = _data()
    z = (x - x.mean(0)) / (x.std(0) + 1e-6)
    t = np.eye(k)[y]
    cold = _fit(z.astype(np.float64), t, k, 1e-3, 300)
    warm = _fit(z.astype(np.float64), t, k, 1e-3, 300, _fit(z.astype(np.float64), t, k, 1e-2, 300))
    np.testing.assert_allclose(warm[0], cold[0], atol=1e-3)
    np.testing.assert_allclose(warm[1], cold[1], atol=1e-3)


def test_fit_softmax_learns_and_picks_its_l2_from_the_grid() -> None:
    x, y, k = _data()
    h = fit_softmax(x, y, k, seed=0)
    assert h.l2 in (1e-4, 1e-3, 1e-2)
    assert (h.predict(x) == y).mean() > 0.9
    soft = np.eye(k)[y] * 0.9 + 0.1 / k
    assert (fit_softmax(x, soft.astype(np.float32), k, seed=0).predict(x) == y).mean() > 0.9


def test_init_head_is_rewritten_for_the_new_standardisation() -> None:
    from m2kt.heads import _restandardise

    x, y, k = _data()
    sub = fit_softmax(x[:300], y[:300], k, l2_grid=(1e-3,), seed=0)
    mean, scale = x.mean(0).astype(np.float64), x.std(0).astype(np.float64) + 1e-6
    w, b = _restandardise(sub, mean, scale)
    z = (x - mean) / scale
    np.testing.assert_allclose(z @ w.T + b, sub.logits(x), rtol=1e-4, atol=1e-3)


def test_a_warm_started_fit_reaches_the_cold_fit() -> None:
    x, y, k = _data()
    sub = fit_softmax(x[:300], y[:300], k, l2_grid=(1e-3,), seed=0)
    cold = fit_softmax(x, y, k, l2_grid=(1e-3,), seed=0)
    warm = fit_softmax(x, y, k, l2_grid=(1e-3,), seed=0, init=sub)
    np.testing.assert_allclose(warm.weight, cold.weight, atol=1e-3)
    assert (warm.predict(x) == cold.predict(x)).mean() > 0.99


def test_a_fit_in_the_features_span_reaches_the_full_fit() -> None:
    # 200 features of rank 16 (like the relative readout's cosines: many strings, few dims)
    rng = np.random.default_rng(1)
    x16, y, k = _data(d=16)
    x = (x16 @ rng.normal(size=(16, 200))).astype(np.float32)
    full = fit_softmax(x, y, k, seed=0)
    reduced = fit_softmax(x, y, k, seed=0, span=True)
    assert reduced.weight.shape == full.weight.shape == (k, 200)
    assert reduced.l2 == full.l2
    np.testing.assert_allclose(reduced.logits(x), full.logits(x), atol=2e-2)
    assert (reduced.predict(x) == full.predict(x)).mean() > 0.99


def test_span_is_skipped_when_the_features_fill_their_space() -> None:
    from m2kt.heads import _row_span

    x, _, _ = _data()
    assert _row_span(x.astype(np.float64)) is None
    basis = _row_span(np.repeat(x.astype(np.float64), 4, axis=1))
    assert basis is not None and basis.shape == (128, 32)
    np.testing.assert_allclose(basis.T @ basis, np.eye(32), atol=1e-8)


def test_the_sampled_span_is_the_full_decompositions_basis() -> None:
    """Many rows and columns of low rank (the relative readout's shape, scaled down): the basis
    found from a sample of rows spans every row and equals the eigenvectors of ``zᵀz`` up to
    signs — what the (d, d) decomposition it replaces gives."""
    from m2kt.heads import _row_span

    rng = np.random.default_rng(2)
    z = rng.normal(size=(900, 12)) @ rng.normal(size=(12, 700))
    z = (z - z.mean(0)) / z.std(0)  # standardised, as fit_softmax does: rank 12
    full = _row_span(z)  # n and d below the default sample: the (d, d) decomposition
    sampled = _row_span(z, sample=200)
    assert full is not None and sampled is not None and sampled.shape == full.shape == (700, 12)
    np.testing.assert_allclose(np.abs(sampled.T @ full), np.eye(12), atol=1e-6)
    np.testing.assert_allclose(z @ sampled @ sampled.T, z, atol=1e-8)


def test_the_sampled_span_falls_back_when_rows_escape_the_sample() -> None:
    """A row outside the sampled rows' span fails the check: the full decomposition is used,
    so the basis still spans every row; a sample that fills its own dimension falls back too."""
    from m2kt.heads import _row_span, _sampled_span

    rng = np.random.default_rng(3)
    z = rng.normal(size=(900, 12)) @ rng.normal(size=(12, 700))
    z = np.vstack([z, rng.normal(size=(1, 700))])  # one row in a 13th direction
    picked = np.sort(np.random.default_rng(0).choice(len(z), 200, replace=False))
    assert len(z) - 1 not in picked  # the sample (seeded) misses it
    assert _sampled_span(z, 1e-7, 200) is None
    basis = _row_span(z, sample=200)
    assert basis is not None and basis.shape == (700, 13)
    np.testing.assert_allclose(z @ basis @ basis.T, z, atol=1e-8)
    wide = rng.normal(size=(900, 700))  # rank 700: the 200 sampled rows fill their dimension
    assert _sampled_span(wide, 1e-7, 200) is None


def _ce(head, x: np.ndarray, t: np.ndarray) -> float:
    s = head.logits(x).astype(np.float64)
    s -= s.max(1, keepdims=True)
    return float(-(t * (s - np.log(np.exp(s).sum(1, keepdims=True)))).sum(1).mean())


def test_refit_towards_fits_the_rows_and_a_large_mu_keeps_the_weights() -> None:
    """L2-SP: a head fitted on one rule, adapted to a few rows of a shifted rule, fits those
    rows better than before; the pull towards the shipped weights decides by how much."""
    import pytest

    from m2kt.heads import refit_towards

    x, y, k = _data()
    head = fit_softmax(x, y, k)
    rng = np.random.default_rng(1)
    few = rng.choice(len(x), 40, replace=False)
    t = np.eye(k)[(y[few] + 1) % k]  # a rule the head does not follow
    loose, tight = refit_towards(head, x[few], t, 1e-3), refit_towards(head, x[few], t, 1e6)
    assert _ce(loose, x[few], t) < _ce(tight, x[few], t) <= _ce(head, x[few], t) + 1e-6
    assert (loose.predict(x[few]) == t.argmax(1)).mean() > 0.9
    np.testing.assert_allclose(tight.weight, head.weight, atol=1e-4)
    assert tight.mean is head.mean and tight.scale is head.scale and tight.l2 == head.l2
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite mu"):
            refit_towards(head, x[few], t, bad)
