"""A student backbone that ingestion may adapt: pooled hidden states *with gradients*.

Pools exactly like :func:`m2kt.models.extract.encode` (same template, pooling, last layer), so
vectors agree with the frozen extraction before any update.  A deep copy is trained: the
loaded (cached) model is never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch

from m2kt.models.loader import LoadedModel
from m2kt.models.spec import Progress, counted, no_progress


class TrainableEncoder(torch.nn.Module):
    """``forward(texts)`` → (n, d) float32 pooled last-layer states of a copy of ``lm``.

    ``train_top``: how many top transformer layers receive gradients (``None`` = every
    parameter, embeddings included)."""

    def __init__(self, lm: LoadedModel, train_top: int | None = None, max_length: int = 64):
        super().__init__()
        self.lm = lm
        self.model = copy.deepcopy(lm.model).float()
        self.pooling = lm.info.default_pooling
        self.template = lm.info.default_template
        self.max_length = max_length
        for p in self.model.parameters():
            p.requires_grad_(train_top is None)
        if train_top is not None:
            layers = _layer_list(self.model)
            for layer in layers[len(layers) - train_top:]:
                for p in layer.parameters():
                    p.requires_grad_(True)

    def trainable(self) -> list[torch.nn.Parameter]:
        return [p for p in self.model.parameters() if p.requires_grad]

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        if not len(texts):
            return torch.zeros((0, self.lm.info.hidden_size))
        tok = self.lm.tokenizer
        tok.padding_side = "right"
        inputs = [self.template.format(t) if self.template else t for t in texts]
        batch = tok(inputs, padding=True, truncation=True, max_length=self.max_length,
                    return_tensors="pt")
        h = self.model(**batch).last_hidden_state
        if self.pooling == "mean":
            mask = batch["attention_mask"].unsqueeze(-1).to(h.dtype)
            return (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        if self.pooling == "cls":
            return h[:, 0]
        last = batch["attention_mask"].sum(1) - 1
        return h[torch.arange(h.shape[0]), last]

    def encode(self, texts: Sequence[str], batch: int = 256,
               progress: Progress = no_progress) -> np.ndarray:
        """Inference in batches: (n, d) float32; ``progress`` after every batch (counts)."""
        import time

        was = self.training
        self.eval()
        t0, out = time.perf_counter(), []
        with torch.no_grad():
            for i in range(0, len(texts), batch):
                out.append(self(texts[i:i + batch]).numpy())
                done = min(i + batch, len(texts))
                progress(counted("encoded", done, len(texts), t0), done / len(texts))
        self.train(was)
        return (np.concatenate(out) if out else np.zeros((0, self.lm.info.hidden_size))
                ).astype(np.float32)


def _layer_list(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The transformer blocks of a BERT-like (``encoder.layer``) or decoder (``layers``) model."""
    for path in ("encoder.layer", "layers", "model.layers", "h"):
        obj = model
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        return list(obj)
    raise ValueError(f"cannot find the transformer layers of {type(model).__name__}")
