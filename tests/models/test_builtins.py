"""The offline builtins: listed, available, encodable, and MiniLM-L3 faithful to its ONNX."""

from __future__ import annotations

import json

import numpy as np
import pytest

from m2kt.models import encode, load
from m2kt.models.builtins import BUILTINS
from tests.conftest import run_cli

WORDS = ["dog", "cathedral", "ice cream", "photosynthesis", "a red bicycle"]


def test_models_json_lists_default_pair() -> None:
    res = run_cli("models", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)["models"]}
    for name, layers in (("minilm-l6", 6), ("minilm-l3", 3)):
        assert rows[name]["available"] is True
        assert rows[name]["hidden_size"] == 384
        assert rows[name]["layers"] == layers
        assert rows[name]["source"] == "builtin"
    assert rows["smollm2-135m"]["hidden_size"] == 576


@pytest.mark.parametrize("name", ["minilm-l6", "minilm-l3"])
def test_encode_default_pair_finite(name: str) -> None:
    lm = load(name)
    vecs = encode(lm, WORDS)
    assert vecs.shape == (len(WORDS), 384)
    assert vecs.dtype == np.float32
    assert np.isfinite(vecs).all()
    assert lm.info.layers == BUILTINS[name].layers
    assert lm.info.parameters and lm.info.parameters > 10_000_000


def test_l3_conversion_matches_onnx() -> None:
    """The converted BertModel reproduces onnxruntime's outputs of the shipped ONNX graph."""
    ort = pytest.importorskip("onnxruntime")
    lm = load("minilm-l3")
    batch = lm.tokenizer(WORDS, padding=True, return_tensors="np")
    sess = ort.InferenceSession(str(BUILTINS["minilm-l3"].locate()))
    # outputs: token embeddings (last hidden state) and the mean-pooled sentence embedding
    hidden, pooled = sess.run(
        ["onnx::Shape_422", "461"],
        {"input_ids": batch["input_ids"].astype(np.int64),
         "attention_mask": batch["attention_mask"].astype(np.int64)},
    )
    ours = encode(lm, WORDS, layers=-1, pooling="mean", max_length=512)
    np.testing.assert_allclose(ours, pooled, atol=1e-4)
    import torch

    with torch.inference_mode():
        h = lm.model(input_ids=torch.tensor(batch["input_ids"]),
                     attention_mask=torch.tensor(batch["attention_mask"])).last_hidden_state
    np.testing.assert_allclose(h.numpy(), hidden, atol=1e-4)


def test_conversion_recorded_in_workspace_db() -> None:
    from m2kt.config import workspace
    from m2kt.store.db import open_db

    load("minilm-l3")
    conn = open_db(workspace())
    row = conn.execute("SELECT path, sha256 FROM model_cache WHERE name='minilm-l3'").fetchone()
    assert row is not None and len(row[1]) == 64
