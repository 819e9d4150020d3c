"""Stage ``shot``: the student's backbone adapts through the frozen packet readout by
information maximisation with the packet's concept prior (class tasks; issue 16, direction 5).

SHOT (Liang et al., 2020) keeps the source "hypothesis" fixed and trains the feature
extractor on unlabelled target data to make each answer confident and the answers diverse.
Here the hypothesis is the CAL and the packet's readout, both frozen; the student's backbone
(every parameter of a symbolic student, the top layer of a language one — the variant's
``train_top``) is trained for ``shot_steps`` steps on batches of its own pool to minimise

    mean entropy of the answers  +  KL(mean answer ‖ packet's concept prior)  +  L_geo(anchors)

— the diversity term is SHOT's with the uniform target replaced by the prior the packet ships,
and the anchors' geometric term keeps the map fitted on them valid. Answers are the readout's
differentiable logits: the packet head's, or centred cosines to the live centroids (×10, the
traces' rule), or −‖y − μ‖²/τ — all divided by the pool's median top-1 − top-2 margin
before adaptation.

Reads the encodings, ``cal``, ``sel``, the manifolds, the anchors and ``encoder`` (an adapt
variant's, else a new one); writes ``encoder`` and recomputes ``s_anchor``, ``s_trace``,
``s_pool`` and ``s_probe_after`` with it. No label and no per-example teacher output beyond the
packet's anchors is read. Pair tasks, and tracks not in the variant's ``shot_tracks``, are
skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from m2kt import ssl
from m2kt.ingest import losses as L
from m2kt.ingest.run import Cancelled, Run
from m2kt.ingest.stages.pool_refit import readout_scores, tv_to_prior
from m2kt.ingest.stages.train import torch_readout
from m2kt.models.spec import within


def shot(run: Run) -> dict[str, Any]:
    """See module doc."""
    if not run.class_task:
        return {"skipped": "pair task"}
    if run.task.track not in run.var.shot_tracks:
        return {"skipped": f"{run.task.track} track"}
    prior = torch.tensor(run.concept_prior(), dtype=torch.float32)
    encoder = run.adapt_backbone()
    run.cal.eval()
    for p in run.cal.parameters():
        p.requires_grad_(False)
    logits = answer_logits(run)
    pool = [e.text for e in run.pool]
    anchors = [run.anchors[i] for i in run.fit_idx]
    t_anchor = torch.from_numpy(np.ascontiguousarray(run.t_anchor[run.fit_idx]))
    before = readout_scores(run, run.mapped(run.s_pool)).argmax(1)
    opt = torch.optim.Adam(encoder.trainable(), lr=run.var.backbone_lr_for(run.task.track))
    gen = np.random.default_rng(run.seed + 5)
    steps, first = run.var.shot_steps, None
    said = time.monotonic()  # a message at least every 2 s, whatever a step costs
    for step in range(steps):
        if run.cancel():
            raise Cancelled("ingestion cancelled; nothing was written")
        batch = [pool[i] for i in gen.choice(len(pool), min(run.var.pool_batch, len(pool)),
                                             replace=False)]
        ent, div = information(logits(run.cal(encoder(batch))), prior)
        geo = (L.geometric(run.cal(encoder(anchors)), t_anchor) if anchors
               else torch.zeros(()))
        total = ent + div + geo
        opt.zero_grad()
        total.backward()
        opt.step()
        last = tuple(float(v.detach()) for v in (ent, div, geo))
        first = first or last
        if step % 10 == 0 or step == steps - 1 or time.monotonic() - said > 2.0:
            said = time.monotonic()
            run.progress(f"SHOT step {step + 1}/{steps}: entropy {last[0]:.3f}, KL to the "
                         f"prior {last[1]:.3f}, geo {last[2]:.3f}", 0.8 * (step + 1) / steps)
    for p in run.cal.parameters():
        p.requires_grad_(True)
    run.reencode(within(run.progress, 0.8, 1.0, "the adapted student re-encodes: "))
    after = readout_scores(run, run.mapped(run.s_pool)).argmax(1)
    return {"steps": steps, "pool inputs": len(pool),
            "entropy, first / last step": [round(first[0], 4), round(last[0], 4)]
            if first else None,
            "KL to the prior, first / last step": [round(first[1], 4), round(last[1], 4)]
            if first else None,
            "answers changed": round(float((after != before).mean()), 4),
            "distance to the packet's prior (TV), before": tv_to_prior(before, prior.numpy()),
            "after": tv_to_prior(after, prior.numpy())}


def information(logits: torch.Tensor, prior: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SHOT's two terms for answer logits (n, k): the mean entropy of the answers and the KL
    of their mean from ``prior`` (k,) (zero when the batch's answers follow the prior)."""
    logp = torch.log_softmax(logits, dim=1)
    p = logp.exp()
    ent = -(p * logp).sum(1).mean()
    mean = p.mean(0).clamp(min=1e-12)
    q = prior.clamp(min=1e-12)
    return ent, (mean * (mean.log() - q.log())).sum()


def answer_logits(run: Run) -> Callable[[torch.Tensor], torch.Tensor]:
    """The readout ``sel.readout`` chose, as differentiable logits: (n, d_t) → (n, k), divided
    by the median top-1 − top-2 margin of the pool's answers before adaptation (so that a
    typical answer is neither saturated nor flat: the entropy has a gradient); concepts without
    members get −1e4 before that division."""
    dead = torch.from_numpy(~run.live)
    if run.use_head:
        head = torch_readout(run.head, run.centroids, pair=False)
    cent = run.centroids.float()

    def logits(y: torch.Tensor) -> torch.Tensor:
        if run.use_head:
            z = head(y)
        elif run.sel.readout == "cosine":
            z = y.new_full((len(y), len(cent)), -1e4)
            z[:, ~dead] = L.centred_cosine_logits(y, cent[~dead])
        else:
            z = -torch.cdist(y, cent) ** 2 / run.tau
        return z.masked_fill(dead[None, :], -1e4)

    with torch.no_grad():  # the temperature: the pool's median top-1 − top-2 margin
        t = ssl.margin_temperature(logits(run.cal(torch.from_numpy(run.s_pool))).numpy())
    return lambda y: logits(y) / t
