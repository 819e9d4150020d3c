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
