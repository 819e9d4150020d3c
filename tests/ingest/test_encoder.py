"""The trainable student encoder pools exactly like the frozen extraction and trains a copy."""

from __future__ import annotations

import numpy as np
import torch

from m2kt.ingest.encoder import TrainableEncoder
from m2kt.models import encode, load


def test_matches_frozen_extraction_and_leaves_the_loaded_model_alone() -> None:
    lm = load("sym-multistep-student")
    texts = ["T and F", "F or T and T", "T"]
    enc = TrainableEncoder(lm)
    np.testing.assert_allclose(enc.encode(texts), encode(lm, texts), atol=1e-5)
    before = [p.detach().clone() for p in lm.model.parameters()]
    opt = torch.optim.SGD(enc.trainable(), lr=0.1)
    enc(texts).pow(2).sum().backward()
    opt.step()
    assert not np.allclose(enc.encode(texts), encode(lm, texts), atol=1e-4)
    for a, b in zip(before, lm.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_train_top_freezes_lower_layers() -> None:
    lm = load("minilm-l3")
    enc = TrainableEncoder(lm, train_top=1)
    names = {n for n, p in enc.model.named_parameters() if p.requires_grad}
    assert names and all(n.startswith("encoder.layer.2.") for n in names)
