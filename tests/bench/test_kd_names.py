"""KD's ``_prior`` answers lean on the student's own label-name scores only as far as the KD
inputs themselves say they help (:func:`m2kt.bench.kd.names_weight`)."""

from __future__ import annotations

import numpy as np

from m2kt.bench.kd import NAME_WEIGHTS, kd_head, names_weight, with_names


def _problem(seed: int, n: int, names_signal: float):
    """4 classes in 16 dims; the teacher answers by the true class; the 'label names' score
    the true class ``names_signal`` higher (0: pure noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 16))
    y = rng.integers(0, 4, n)
    x = centres[y] * 0.6 + rng.normal(size=(n, 16))
    teacher = np.full((n, 4), 0.05)
    teacher[np.arange(n), y] = 0.85
    names = rng.normal(size=(n, 4))
    names[np.arange(n), y] += names_signal
    return x, teacher, names, y


def test_informative_names_get_weight_and_help_few_inputs() -> None:
    x, t, names, y = _problem(0, 24, names_signal=3.0)
    head, temp = kd_head(x, t, seed=0)
    w = names_weight(x, t, names, head, temp or 1.0, seed=0)
    assert w > 0
    xe, _, ne, ye = _problem(1, 2000, names_signal=3.0)
    alone = (head.logits(xe).argmax(1) == ye).mean()
    both = (with_names(head.logits(xe), ne, w).argmax(1) == ye).mean()
    assert both > alone + 0.05


def test_noise_names_are_left_out() -> None:
    x, t, names, _ = _problem(2, 150, names_signal=0.0)
    head, temp = kd_head(x, t, seed=0)
    assert names_weight(x, t, names, head, temp or 1.0, seed=0) in (0.0, NAME_WEIGHTS[1])


def test_too_few_inputs_to_choose_on_keep_the_head_alone() -> None:
    x, t, names, _ = _problem(3, 5, names_signal=3.0)
    head, temp = kd_head(x, t, seed=0)
    assert names_weight(x, t, names, head, temp or 1.0, seed=0) == 0.0
    z = head.logits(x)
    assert (with_names(z, names, 0.0).argmax(1) == z.argmax(1)).all()
