"""The adapting student: the top block over cached lower layers is the model's own top layer,
and training it moves its answers towards the targets without touching the loaded model."""

from __future__ import annotations

import numpy as np

from m2kt.models import load
from m2kt.models.extract import encode
from m2kt.models.toplayer import TopStudent, lower_states

TEXTS = ["True and False", "not (True or False)", "a small dog", "Consider: all cats are animals",
         "3 + 4 - 1 =", "(False or True) and True"]


def test_the_cached_top_block_reproduces_the_models_own_last_layer() -> None:
    lm = load("minilm-l3")
    s = lower_states(lm, TEXTS)
    assert s.h.shape[0] == len(TEXTS) and s.mask.shape == s.h.shape[:2]
    ours = TopStudent(lm, 2).pooled(s)
    theirs = encode(lm, TEXTS, layers=-1, pooling="mean", template="", max_length=128)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_fitting_learns_the_targets_and_leaves_the_loaded_model_alone() -> None:
    lm = load("minilm-l3")
    before = [p.detach().clone() for p in lm.model.encoder.layer[-1].parameters()]
    s = lower_states(lm, TEXTS)
    y = np.array([0, 1, 0, 1, 0, 1])
    ts = TopStudent(lm, 2, seed=0).fit(s, np.eye(2)[y], epochs=30, batch=3, seed=0)
    assert (ts.logits(s).argmax(1) == y).all()
    after = list(lm.model.encoder.layer[-1].parameters())
    assert all((a == b).all() for a, b in zip(after, before, strict=True))
