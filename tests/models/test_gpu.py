"""CUDA path: the same model encodes the same texts on GPU and CPU within tolerance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BertConfig, BertModel

    from m2kt.domains.symbolic.tokenizer import save_tokenizer, vocabulary

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny_gpu")
    words = vocabulary(["a", "b", "c", "isa", "T", "F"])
    BertModel(BertConfig(vocab_size=len(words), hidden_size=64, num_hidden_layers=2,
                         num_attention_heads=2, intermediate_size=128)).save_pretrained(out)
    save_tokenizer(words, out)
    return out


def test_cuda_matches_cpu(tiny_dir: Path) -> None:
    import torch

    from m2kt.models import encode, load
    from m2kt.models.registry import pick_device

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    assert pick_device("auto") == "cuda"
    texts = ["a isa b", "c", "T F T", "a b c a b c"]
    cpu = encode(load(str(tiny_dir), device="cpu"), texts, layers=[0, 1, 2])
    gpu = encode(load(str(tiny_dir), device="cuda"), texts, layers=[0, 1, 2])
    assert gpu.dtype == np.float32
    np.testing.assert_allclose(gpu, cpu, atol=1e-4)
