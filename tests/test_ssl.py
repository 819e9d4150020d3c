"""Label-free semi-supervised steps (m2kt.ssl) and the kd_ssl baseline built on them."""

from __future__ import annotations

import numpy as np

from m2kt import ssl
from m2kt.bench.kd import RECIPES, kd_ssl_head, soften


def _blobs(n: int, k: int = 3, d: int = 8, seed: int = 0, spread: float = 0.4):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 3
    y = rng.integers(0, k, n)
    return centres[y] + spread * rng.normal(size=(n, d)), y


def test_knn_graph_excludes_self_and_finds_the_cluster() -> None:
    x, y = _blobs(300)
    idx, w = ssl.knn_graph(x, k=5, block=64)
    assert idx.shape == (300, 5) and not (idx == np.arange(300)[:, None]).any()
    assert (y[idx] == y[:, None]).mean() > 0.95 and (w >= 0).all()


def test_propagation_labels_a_cluster_from_one_seed_each() -> None:
    x, y = _blobs(400)
    seeds = np.array([np.flatnonzero(y == c)[0] for c in range(3)])
    f = ssl.propagate(*ssl.knn_graph(x, k=8), np.eye(3)[y[seeds]], seeds)
    assert np.allclose(f.sum(1), 1) and (f.argmax(1) == y).mean() > 0.95
    assert (f[seeds] == np.eye(3)[y[seeds]]).all()


def test_spreading_mends_noisy_answers_and_keeps_distributions() -> None:
    """Every row starts with an answer, a fifth of them wrong; smoothing over the graph of the
    rows' own features puts most of the wrong ones right (nothing is clamped)."""
    x, y = _blobs(400)
    rng = np.random.default_rng(1)
    noisy = np.where(rng.random(400) < 0.2, rng.integers(0, 3, 400), y)
    f = ssl.spread(*ssl.knn_graph(x, k=8), np.eye(3)[noisy] * 0.9 + 0.1 / 3)
    assert np.allclose(f.sum(1), 1) and (f >= 0).all()
    assert (f.argmax(1) == y).mean() > 0.97 > (noisy == y).mean()


def test_balance_moves_mass_to_the_marginal() -> None:
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.7, 0.3]])
    q = ssl.balance(p, np.array([0.5, 0.5]))
    assert np.allclose(q.sum(1), 1) and np.allclose(q.sum(0), [2, 2], atol=1e-3)
    assert (q.argmax(1) == [0, 0, 1, 1]).all()  # the least confident rows switch


def test_prior_offsets_make_the_answers_follow_the_prior() -> None:
    """A scorer biased toward class 0 answers 0 for most rows; offsets fitted on the rows'
    own scores bring its answers to the given prior, a dead class keeps offset 0."""
    x, y = _blobs(600, spread=3.0)  # overlapping clusters
    centres = np.stack([x[y == c].mean(0) for c in range(3)])
    scores = -((x[:, None, :] - centres[None]) ** 2).sum(-1)
    top = np.sort(scores, axis=1)
    scores[:, 0] += 2 * np.median(top[:, -1] - top[:, -2])  # the bias
    scores = np.concatenate([scores, np.full((600, 1), -np.inf)], axis=1)
    prior = np.array([*np.bincount(y, minlength=3) / 600, 0.0])
    b = ssl.prior_offsets(scores, prior)
    hist = np.bincount((scores + b).argmax(1), minlength=4) / 600
    assert np.abs(hist - prior).sum() / 2 < 0.03 < np.abs(
        np.bincount(scores.argmax(1), minlength=4) / 600 - prior).sum() / 2
    assert b[3] == 0.0 and np.isfinite(b).all()


def test_balance_pairs_sets_each_query_to_one_half() -> None:
    score = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    q = np.array([0, 0, 0, 1, 1, 1])
    th = ssl.balance_pairs(score, q)
    assert th.tolist() == [2.0, 20.0]


def test_confident_keeps_the_top_share_per_class() -> None:
    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]])
    assert ssl.confident(p, 0.5).tolist() == [0, 2]


def test_kd_ssl_uses_the_pool_when_it_helps() -> None:
    # three KD inputs per class on overlapping clusters: KD alone is poor, the pool's
    # neighbourhoods carry the classes, and the validation on the KD inputs finds that
    from m2kt.bench.kd import _recipes, kd_head

    x, y = _blobs(3000, k=4, d=16, spread=2.0, seed=1)
    t = soften(np.eye(4)[y] * 0.9 + 0.025, 1.0)
    pick = np.concatenate([np.flatnonzero(y[:1000] == c)[:3] for c in range(4)])
    xs, ts, pool, ev, yev = x[pick], t[pick], x[1000:2500], x[2500:], y[2500:]
    head, temp = kd_head(xs, ts, 0)
    fitted = _recipes(xs, ts, np.arange(len(xs)), pool,
                      ssl.knn_graph(np.concatenate([pool, xs])),
                      len(pool) + np.arange(len(xs)), temp, head.l2, 0, None)
    acc = {r: float((f(ev) == yev).mean()) for r, f in fitted.items()}
    assert set(acc) == set(RECIPES)
    assert acc["label-prop"] > acc["kd"] + 0.15
    res = kd_ssl_head(xs, ts, pool, ev, yev, seed=0, kd=(head, temp))
    assert res.choice == "label-prop" and res.acc == acc["label-prop"]
