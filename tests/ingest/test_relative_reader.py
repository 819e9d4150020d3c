"""The student reading the packet's relative readout directly: class and pair layouts, the
prior offsets, the saved tensors, and a head for another layout refused."""

from __future__ import annotations

import numpy as np
import pytest

from m2kt.concepts import relative as R
from m2kt.errors import SemanticError
from m2kt.heads import LinearHead
from m2kt.ingest.relative_reader import RelativeReader, reader_for


def _head(n_out: int, f: int, seed: int = 0) -> LinearHead:
    rng = np.random.default_rng(seed)
    return LinearHead(rng.normal(size=(n_out, f)).astype(np.float32),
                      np.zeros(n_out, np.float32), np.zeros(f, np.float32),
                      np.ones(f, np.float32), 0.0)


def test_pair_features_put_the_profile_in_the_queried_block() -> None:
    z = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x = R.pair_features(z, np.array([1, 0]), k=2)
    assert x.shape == (2, R.pair_feature_count(2, 3)) == (2, 8)
    assert x[0].tolist() == [0, 0, 0, 1, 2, 3, 0, 1]
    assert x[1].tolist() == [4, 5, 6, 0, 0, 0, 1, 0]


def test_fit_pair_learns_a_per_concept_rule_from_the_profiles() -> None:
    # concept q's answer is "yes" when the input lies nearer q's label than the other's
    rng = np.random.default_rng(0)
    labels = np.eye(4)[:2] * 3
    h = rng.normal(size=(600, 4))
    q = rng.integers(0, 2, size=600)
    yes = (R.profiles(h, labels)[np.arange(600), q] > R.profiles(h, labels)[np.arange(600),
                                                                           1 - q])
    proba = np.stack([~yes, yes], 1).astype(float)
    head, agreement = R.fit_pair(h, labels, proba, q)
    assert head.weight.shape == (2, R.pair_feature_count(2, 2)) and agreement > 0.9


def test_reader_class_layout_and_prior_offsets() -> None:
    rng = np.random.default_rng(1)
    ref, pool = rng.normal(size=(5, 8)), rng.normal(size=(400, 8))
    head = _head(3, 5)
    plain = reader_for(head, ref, pool, None)
    z = (R.profiles(pool, ref) - plain.mean) / plain.std
    assert np.allclose(plain.logits(pool), head.logits(z), atol=1e-5)
    prior = np.array([0.6, 0.3, 0.1])
    fitted = reader_for(head, ref, pool, None, prior)
    hist = np.bincount(fitted.answer(pool), minlength=3) / len(pool)
    assert np.abs(hist - prior).max() < 0.02  # the pool's answers follow the prior


def test_reader_pair_layout_needs_queries_and_round_trips() -> None:
    rng = np.random.default_rng(2)
    ref, pool = rng.normal(size=(3, 8)), rng.normal(size=(50, 8))
    r = reader_for(_head(2, R.pair_feature_count(3, 3)), ref, pool, 3)
    q = rng.integers(0, 3, size=50)
    with pytest.raises(ValueError, match="queried concepts"):
        r.logits(pool)
    back = RelativeReader.from_tensors(r.tensors())
    assert back.pair_k == 3 and np.array_equal(back.answer(pool, q), r.answer(pool, q))
    cls = reader_for(_head(2, 3), ref, pool, None)
    assert RelativeReader.from_tensors(cls.tensors()).pair_k is None


def test_a_head_for_another_layout_is_refused() -> None:
    rng = np.random.default_rng(3)
    with pytest.raises(SemanticError, match="reads 5 features; this task's layout has 12"):
        reader_for(_head(2, 5), rng.normal(size=(3, 4)), rng.normal(size=(9, 4)), 3)


def test_a_damaged_saved_reader_is_refused_readably() -> None:
    from m2kt.errors import NotAModelError

    rng = np.random.default_rng(4)
    t = reader_for(_head(3, 5), rng.normal(size=(5, 4)), rng.normal(size=(20, 4)), None).tensors()
    with pytest.raises(NotAModelError, match="lacks 'ref'"):
        RelativeReader.from_tensors({k: v for k, v in t.items() if k != "ref"})
    with pytest.raises(NotAModelError, match="do not fit together"):
        RelativeReader.from_tensors({**t, "mean": np.zeros(4, np.float32)})
