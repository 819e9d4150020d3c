"""Hidden-state extraction: layers, pooling, batching, determinism, decoders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from m2kt.errors import ExtractionError, LayerError
from m2kt.models import encode, load, normalize_layer

TEXTS = ["a", "the quick brown fox", "jumps over", "the lazy dog sleeps all day long", "x y"]


def test_normalize_layer_bounds() -> None:
    assert normalize_layer(-1, 6) == 6
    assert normalize_layer(0, 6) == 0
    assert normalize_layer(-7, 6) == 0
    for bad in (7, -8, 100):
        with pytest.raises(LayerError, match="out of range"):
            normalize_layer(bad, 6)


def test_every_layer_and_stacked(tiny_bert_dir: Path) -> None:
    lm = load(str(tiny_bert_dir))
    stacked = encode(lm, TEXTS, layers=[0, 1, 2])
    assert stacked.shape == (3, len(TEXTS), 32)
    np.testing.assert_array_equal(stacked[2], encode(lm, TEXTS, layers=-1))
    assert not np.allclose(stacked[0], stacked[2])


def test_batch_size_and_order_invariance(tiny_bert_dir: Path) -> None:
    lm = load(str(tiny_bert_dir))
    a = encode(lm, TEXTS, batch_size=2)
    b = encode(lm, TEXTS, batch_size=64)
    np.testing.assert_allclose(a, b, atol=1e-5)
    rev = encode(lm, TEXTS[::-1], batch_size=3)
    np.testing.assert_allclose(rev[::-1], a, atol=1e-5)
    np.testing.assert_array_equal(encode(lm, TEXTS), encode(lm, TEXTS))  # deterministic


def test_poolings_differ_and_match_definitions(tiny_bert_dir: Path) -> None:
    import torch

    lm = load(str(tiny_bert_dir))
    text = ["the quick brown fox"]
    batch = lm.tokenizer(text, return_tensors="pt")
    with torch.inference_mode():
        h = lm.model(**batch).last_hidden_state[0].numpy()
    np.testing.assert_allclose(encode(lm, text, pooling="mean")[0], h.mean(0), atol=1e-5)
    np.testing.assert_allclose(encode(lm, text, pooling="cls")[0], h[0], atol=1e-5)
    np.testing.assert_allclose(encode(lm, text, pooling="last")[0], h[-1], atol=1e-5)


def test_decoder_uses_template_and_last_token(tiny_gpt2_dir: Path) -> None:
    lm = load(str(tiny_gpt2_dir))
    assert lm.info.is_decoder and lm.info.default_pooling == "last"
    assert lm.info.default_template == 'The word "{}"'
    templated = encode(lm, ["dog", "cat"])
    explicit = encode(lm, ['The word "dog"', 'The word "cat"'], template="")
    np.testing.assert_allclose(templated, explicit, atol=1e-5)
    # right padding must not leak into the last-token pooling
    mixed = encode(lm, ["dog", "a much longer phrase here"], template="")
    alone = encode(lm, ["dog"], template="")
    np.testing.assert_allclose(mixed[0], alone[0], atol=1e-5)


def test_bad_extraction_arguments(tiny_bert_dir: Path) -> None:
    lm = load(str(tiny_bert_dir))
    with pytest.raises(ExtractionError, match="pooling"):
        encode(lm, TEXTS, pooling="max")
    with pytest.raises(ExtractionError, match="sequence of strings"):
        encode(lm, "oops")  # type: ignore[arg-type]
    with pytest.raises(LayerError):
        encode(lm, TEXTS, layers=3)
    assert encode(lm, []).shape == (0, 32)
