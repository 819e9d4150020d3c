"""A pretrained encoder student whose top block adapts.

The lower layers are run once per text and their token states cached (:func:`lower_states`);
only a copy of the top encoder block, its mean pooling and a linear head train
(:class:`TopStudent`). One fit then takes seconds on 2 cores, which a distillation sweep over
arms, sizes and seeds needs — and M2KT and every KD arm train exactly these parameters.

Shapes: ``H`` is ``(n, T, d)`` float32 token states entering the top block, ``mask`` is
``(n, T)`` (1 for a token, 0 for padding); pooled features are ``(n, d)``; heads answer
``(n, k)`` logits.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from m2kt.models.loader import LoadedModel
from m2kt.models.spec import Progress, no_progress


@dataclass(frozen=True)
class States:
    """Token states entering the top block: ``h`` (n, T, d) float32, ``mask`` (n, T) uint8."""

    h: np.ndarray
    mask: np.ndarray

    def __len__(self) -> int:
        return len(self.h)

    def take(self, idx: np.ndarray | Sequence[int]) -> States:
        idx = np.asarray(idx, dtype=np.int64)
        m = self.mask[idx]
        t = max(int(m.sum(1).max()) if len(idx) else 1, 1)
        return States(self.h[idx, :t], m[:, :t])


def lower_states(lm: LoadedModel, texts: Sequence[str], max_length: int = 128,
                 batch_size: int = 64, progress: Progress = no_progress) -> States:
    """Token states of ``texts`` entering ``lm``'s top encoder block (its second-last hidden
    states), right-padded to the longest text (at most ``max_length`` tokens)."""
    import torch

    tok = lm.tokenizer
    tok.padding_side = "right"
    n, d = len(texts), lm.info.hidden_size
    lengths = [len(ids) for ids in tok(list(texts), truncation=True,
                                       max_length=max_length)["input_ids"]]
    t_max = max(lengths) if lengths else 1
    h = np.zeros((n, t_max, d), dtype=np.float32)
    mask = np.zeros((n, t_max), dtype=np.uint8)
    order = np.argsort(lengths, kind="stable")
    with torch.inference_mode():
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            b = tok([texts[i] for i in idx], padding=True, truncation=True,
                    max_length=max_length, return_tensors="pt").to(lm.device)
            hs = lm.model(**b, output_hidden_states=True).hidden_states[-2]
            L = hs.shape[1]
            h[idx, :L] = hs.float().cpu().numpy()
            mask[idx, :L] = b["attention_mask"].cpu().numpy()
            progress(f"encoded {min(s + batch_size, n):,} / {n:,} (lower layers)",
                     min(s + batch_size, n) / max(n, 1))
    return States(h, mask)


class TopStudent:
    """The top encoder block of ``lm`` (a copy; the loaded model is left alone), mean pooling
    and a ``k``-way linear head. ``pooled(states)`` gives (n, d) features; ``logits`` (n, k)."""

    def __init__(self, lm: LoadedModel, k: int, seed: int = 0):
        import torch

        torch.manual_seed(seed)
        self.block = copy.deepcopy(lm.model.encoder.layer[-1]).float().train()
        self.head = torch.nn.Linear(lm.info.hidden_size, k)
        self.k = k

    def _pool(self, h, m):
        import torch

        add = (1.0 - m[:, None, None, :].float()) * torch.finfo(torch.float32).min
        out = self.block(h, attention_mask=add)
        out = out[0] if isinstance(out, tuple) else out
        w = m.unsqueeze(-1).float()
        return (out * w).sum(1) / w.sum(1).clamp(min=1.0)

    def pooled(self, s: States, batch: int = 256) -> np.ndarray:
        """Mean-pooled outputs of the top block, (n, d)."""
        import torch

        self.block.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(s), batch):
                part = s.take(np.arange(i, min(i + batch, len(s))))
                out.append(self._pool(torch.from_numpy(part.h),
                                      torch.from_numpy(part.mask)).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.head.in_features), np.float32)

    def logits(self, s: States) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.head(torch.from_numpy(self.pooled(s))).numpy()

    def fit(self, s: States, targets: np.ndarray, epochs: int = 8, batch: int = 32,
            lr_block: float = 1e-4, lr_head: float = 2e-3, seed: int = 0,
            progress: Progress = no_progress) -> TopStudent:
        """Train block and head on ``targets`` (n, k) probabilities (soft distillation; a
        one-hot row is a hard label) with cross-entropy, AdamW."""
        import torch

        rng = np.random.default_rng(seed)
        opt = torch.optim.AdamW([{"params": self.block.parameters(), "lr": lr_block},
                                 {"params": self.head.parameters(), "lr": lr_head}],
                                weight_decay=0.01)
        y = torch.from_numpy(np.asarray(targets, dtype=np.float32))
        n = len(s)
        for ep in range(epochs):
            self.block.train()
            perm = rng.permutation(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                part = s.take(idx)
                z = self.head(self._pool(torch.from_numpy(part.h), torch.from_numpy(part.mask)))
                loss = -(y[idx] * torch.log_softmax(z, -1)).sum(-1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            progress(f"epoch {ep + 1}/{epochs}", (ep + 1) / epochs)
        self.block.eval()
        return self
