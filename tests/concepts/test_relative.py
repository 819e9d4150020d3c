"""Relative profiles make a teacher-side readout usable by a student in another space."""

from __future__ import annotations

import numpy as np

from m2kt.concepts import relative


def test_teacher_head_reads_a_rotated_scaled_student_without_pairs() -> None:
    rng = np.random.default_rng(0)
    c, d, n = 6, 32, 1200
    protos = rng.normal(size=(c, d)) * 3
    y = rng.integers(0, c, n)
    h_t = protos[y] + rng.normal(size=(n, d))
    proba = np.eye(c)[y] * 0.9 + 0.1 / c  # the teacher's (soft) answers on its own inputs
    head, agree = relative.fit(h_t, protos, proba)
    assert agree > 0.95
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    y2 = rng.integers(0, c, 400)
    h_s = (protos[y2] + rng.normal(size=(400, d))) @ q * 0.1  # another space: rotated, scaled
    r = relative.profiles(h_s, protos @ q * 0.1)  # the student's own vectors of the labels
    assert (head.predict(relative.zscore(r, r)) == y2).mean() > 0.9
    back = relative.from_tensors(relative.to_tensors(head))
    assert back is not None and np.allclose(back.weight, head.weight)
    assert relative.from_tensors({}) is None
    assert relative.expected_shapes(2, c)["relative.weight"] == (2, c)


def test_the_fit_is_remembered_under_a_digest_of_its_inputs(monkeypatch) -> None:
    from m2kt.config import workspace

    rng = np.random.default_rng(1)
    c, d, n, words = 4, 16, 600, 60
    y = rng.integers(0, c, n)
    protos = rng.normal(size=(c, d)) * 3
    h = protos[y] + rng.normal(size=(n, d))
    strings = np.concatenate([protos, rng.normal(size=(words, d))])  # labels, then words
    proba = np.eye(c)[y] * 0.9 + 0.1 / c
    first, agree = relative.fit_cached(h, strings, proba, seed=3)
    assert first.weight.shape == (c, c + words)

    def refuse(*_a, **_k):
        raise AssertionError("fitted again although the fit is cached")

    monkeypatch.setattr(relative, "fit", refuse)
    again, agree2 = relative.fit_cached(h, strings, proba, seed=3)
    np.testing.assert_array_equal(again.weight, first.weight)
    assert agree2 == agree and again.l2 == first.l2
    for other in ((h, strings, proba[:, ::-1], 3, None), (h, strings, proba, 4, None),
                  (h, strings, proba, 3, 0.5)):  # a fixed L2 strength: another key too
        try:
            relative.fit_cached(*other[:3], seed=other[3], l2=other[4])
        except AssertionError:
            continue  # another input or seed: a new key, so it fits
        raise AssertionError("a different input reused the cached fit")
    # a damaged entry is fitted afresh, never trusted
    monkeypatch.undo()
    for f in (workspace().root / "cache" / "relative-readouts").glob("*.safetensors"):
        f.write_bytes(b"\x00garbage")
    fresh, _ = relative.fit_cached(h, strings, proba, seed=3)
    np.testing.assert_allclose(fresh.weight, first.weight, atol=1e-5)


def test_a_fixed_l2_strength_is_the_head_s() -> None:
    """``l2`` fixes the relative head's L2 strength instead of choosing it by agreement with
    the teacher; a stronger one shrinks the weights."""
    rng = np.random.default_rng(2)
    c, d, n = 4, 16, 600
    y = rng.integers(0, c, n)
    protos = rng.normal(size=(c, d)) * 3
    h = protos[y] + rng.normal(size=(n, d))
    proba = np.eye(c)[y] * 0.9 + 0.1 / c
    chosen, _ = relative.fit(h, protos, proba)
    weak, _ = relative.fit(h, protos, proba, l2=1e-4)
    strong, agree = relative.fit(h, protos, proba, l2=1.0)
    assert chosen.l2 in (1e-4, 1e-3, 1e-2) and weak.l2 == 1e-4 and strong.l2 == 1.0
    assert np.abs(strong.weight).sum() < np.abs(weak.weight).sum()
    assert 0.0 <= agree <= 1.0
