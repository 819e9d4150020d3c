"""Hidden-state extraction: any layer, several poolings, batched, deterministic, float32.

Layer indices follow ``output_hidden_states``: 0 is the embedding output, ``L`` the last of the
model's ``L`` layers; negative indices count from the end (``-1`` is layer ``L``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from m2kt.errors import ExtractionError, LayerError
from m2kt.models.loader import LoadedModel
from m2kt.models.spec import POOLINGS, Progress, counted, no_progress


def normalize_layer(layer: int, n_layers: int) -> int:
    """Map ``layer`` in ``[-(L+1), L]`` to ``[0, L]``; raise :class:`LayerError` otherwise."""
    if not -(n_layers + 1) <= layer <= n_layers:
        raise LayerError(
            f"layer {layer} is out of range for a model with {n_layers} layers "
            f"(valid: 0..{n_layers}, or -1..-{n_layers + 1} from the end)"
        )
    return layer % (n_layers + 1)


def encode(
    lm: LoadedModel,
    texts: Sequence[str],
    layers: int | Sequence[int] = -1,
    pooling: str | None = None,
    template: str | None = None,
    batch_size: int = 64,
    max_length: int = 64,
    progress: Progress = no_progress,
) -> np.ndarray:
    """Encode ``texts`` into pooled hidden states.

    Returns float32 of shape ``(n, d)`` for one layer, or ``(len(layers), n, d)`` when
    ``layers`` is a sequence.  ``pooling`` is ``mean`` (attention-masked), ``cls`` (first
    token) or ``last`` (last non-padding token); default: the model's own (mean for encoders,
    last for decoders).  ``template`` (e.g. ``'The word "{}"'``) wraps each text first;
    ``None`` uses the model's default template, ``""`` disables it.  Texts are processed in
    length-sorted batches and returned in input order; results do not depend on batch size
    beyond float rounding.
    """
    import torch

    if isinstance(texts, str):
        raise ExtractionError("texts must be a sequence of strings, not one string")
    pooling = pooling or lm.info.default_pooling
    if pooling not in POOLINGS:
        raise ExtractionError(f"pooling must be one of {', '.join(POOLINGS)}, not {pooling!r}")
    single = isinstance(layers, int)
    layer_list = [normalize_layer(int(x), lm.info.layers) for x in ([layers] if single else layers)]
    if not layer_list:
        raise ExtractionError("at least one layer is required")
    if batch_size < 1:
        raise ExtractionError("batch_size must be at least 1")
    tmpl = lm.info.default_template if template is None else (template or None)
    inputs = [tmpl.format(t) if tmpl else t for t in texts]
    n, d = len(inputs), lm.info.hidden_size
    out = np.empty((len(layer_list), n, d), dtype=np.float32)
    if n == 0:
        return out[0] if single else out
    t0 = time.perf_counter()
    order = np.argsort([len(s) for s in inputs], kind="stable")
    tok = lm.tokenizer
    tok.padding_side = "right"
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            batch = tok([inputs[i] for i in idx], padding=True, truncation=True,
                        max_length=max_length, return_tensors="pt").to(lm.device)
            hs = lm.model(**batch, output_hidden_states=True).hidden_states
            mask = batch["attention_mask"].unsqueeze(-1).to(hs[0].dtype)
            for j, layer in enumerate(layer_list):
                h = hs[layer]
                if pooling == "mean":
                    pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                elif pooling == "cls":
                    pooled = h[:, 0]
                else:
                    last = batch["attention_mask"].sum(1) - 1
                    pooled = h[torch.arange(h.shape[0], device=h.device), last]
                out[j, idx] = pooled.float().cpu().numpy()
            done = min(start + batch_size, n)
            progress(counted("encoded", done, n, t0), done / n)
    if not np.isfinite(out).all():
        raise ExtractionError(f"model {lm.info.name} produced non-finite hidden states")
    return out[0] if single else out
