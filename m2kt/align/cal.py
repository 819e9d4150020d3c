"""The learned Concept Alignment Layer: a small residual MLP student → teacher space.

``y ≈ A x + b + MLP(x)``: the affine part is initialised by ridge on the anchors, the
nonlinear residual (one hidden layer, GELU) is trained on the anchors with weight decay.  The
ingestion trainer refines the same module with the composite loss.
"""

from __future__ import annotations

import numpy as np

from m2kt.align.base import Aligner, register
from m2kt.align.linear import Ridge


def build_cal(d_s: int, d_t: int, hidden: int = 256):
    """The CAL torch module (affine + residual MLP), float32."""
    import torch

    class CAL(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.affine = torch.nn.Linear(d_s, d_t)
            self.mlp = torch.nn.Sequential(torch.nn.Linear(d_s, hidden), torch.nn.GELU(),
                                           torch.nn.Linear(hidden, d_t))
            torch.nn.init.zeros_(self.mlp[2].weight)
            torch.nn.init.zeros_(self.mlp[2].bias)

        def forward(self, x):
            return self.affine(x) + self.mlp(x)

    return CAL()


@register("cal")
class CALAligner(Aligner):
    def __init__(self, hidden: int = 256, steps: int = 300, lr: float = 1e-3,
                 weight_decay: float = 1e-2, seed: int = 0) -> None:
        self.hidden, self.steps, self.lr, self.wd, self.seed = hidden, steps, lr, weight_decay, seed

    def fit(self, xs, yt):
        import torch

        torch.manual_seed(self.seed)
        xs, yt = np.asarray(xs, np.float32), np.asarray(yt, np.float32)
        ridge = Ridge().fit(xs, yt)
        self.module = build_cal(xs.shape[1], yt.shape[1], self.hidden)
        with torch.no_grad():
            self.module.affine.weight.copy_(torch.from_numpy(ridge.w.T.astype(np.float32)))
            self.module.affine.bias.copy_(torch.from_numpy(
                (ridge.my - ridge.mx @ ridge.w).astype(np.float32)))
        x, y = torch.from_numpy(xs), torch.from_numpy(yt)
        opt = torch.optim.AdamW(self.module.mlp.parameters(), lr=self.lr, weight_decay=self.wd)
        scale = y.var(0).sum().clamp(min=1e-6)
        for _ in range(self.steps):
            loss = ((self.module(x) - y) ** 2).sum(1).mean() / scale
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.module.eval()
        return self

    def transform(self, xs):
        import torch

        with torch.no_grad():
            return self.module(torch.from_numpy(np.asarray(xs, np.float32))).double().numpy()
