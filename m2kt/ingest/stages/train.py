"""Stage ``cal-training``: the CAL (and, with an ``adapt`` variant, the student's top layers)
trained with the composite loss — geometric, structural, reasoning, safety and, on class tasks
with a ``member`` weight, manifold membership (:mod:`m2kt.ingest.losses`).

Reads the encodings, the manifolds, the initial ``cal`` and ``sel``, the packet's graph and
traces and the policy. Writes the trained ``cal`` (in eval mode), ``encoder`` (adapt variants),
``curves`` (every term at every step), ``traces_used`` and ``s_probe_after``; with an adapted
backbone the ``s_*`` encodings are recomputed so that every later figure uses it.
``on_step(step, terms)`` sees every step; ``cancel()`` is polled before each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from m2kt.ingest import losses as L
from m2kt.ingest.run import Cancelled, Run
from m2kt.ingest.weights import TERMS
from m2kt.models.spec import within


@dataclass(frozen=True)
class TraceTargets:
    """The traces usable at the packet's main layer: their rows in ``run.traces``, each one's
    top concepts (n, w) long and their probabilities (n, w) float32 (padded to width w)."""

    rows: list[int]
    idx: torch.Tensor
    prob: torch.Tensor


def trace_targets(run: Run) -> TraceTargets:
    """See :class:`TraceTargets`; a trace counts when every top concept is in the packet. Rows
    index :meth:`~m2kt.ingest.run.Run.trace_texts`: each trace's query (its main-layer step's
    distribution), then each step that names a sub-problem (the teacher's answer on it)."""
    cidx = run.concept_index
    main_stage = f"layer {run.packet.manifest.main_layer}"
    rows, idx, prob = [], [], []
    for i, t in enumerate(run.traces):
        step = next((s for s in t.steps if s.stage == main_stage), None)
        if step and all(c in cidx for c, _ in step.top):
            rows.append(i)
            idx.append([cidx[c] for c, _ in step.top])
            prob.append([p for _, p in step.top])
    row = len(run.traces)
    for t in run.traces:
        for s in t.steps:
            if not s.input:
                continue
            if all(c in cidx for c, _ in s.top):
                rows.append(row)
                idx.append([cidx[c] for c, _ in s.top])
                prob.append([p for _, p in s.top])
            row += 1
    width = max((len(r) for r in idx), default=0)
    idx = [r + [r[-1]] * (width - len(r)) for r in idx]
    prob = [r + [0.0] * (width - len(r)) for r in prob]
    return TraceTargets(rows, torch.tensor(idx, dtype=torch.long),
                        torch.tensor(prob, dtype=torch.float32))


def torch_readout(head, centroids: torch.Tensor, pair: bool) -> Callable[[torch.Tensor],
                                                                        torch.Tensor]:
    """The packet readout as a differentiable map: (n, d_t) → (n, L) logits for class tasks,
    (n, k, L) for pair tasks (the answer for every concept as the queried one)."""
    w, b, mean, scale = (torch.tensor(np.array(a, np.float32))
                         for a in (head.weight, head.bias, head.mean, head.scale))

    def logits(y: torch.Tensor) -> torch.Tensor:
        if pair:
            h = y[:, None, :].expand(-1, len(centroids), -1)
            mu = centroids[None, :, :].expand(len(y), -1, -1)
            y = torch.cat([h, mu, h * mu, (h - mu).abs()], dim=-1)
        return ((y - mean) / scale) @ w.T + b

    return logits


def _features(run: Run, tr: TraceTargets) -> tuple[Callable[[str], torch.Tensor], list]:
    """``feats(name)`` for name in anchor/pool/trace/probe — the frozen encodings (the pool a
    fresh random batch each step when larger than the variant's batch) or, with an adapted
    backbone, the encoder's output — and the optimiser's parameter groups."""
    var, fit = run.var, run.fit_idx
    X = {n: torch.from_numpy(np.ascontiguousarray(v)) for n, v in
         (("anchor", run.s_anchor[fit]), ("pool", run.s_pool), ("trace", run.s_trace[tr.rows]),
          ("probe", run.s_probe))}
    params = [{"params": list(run.cal.parameters()), "lr": run.lr}]
    gen = np.random.default_rng(run.seed + 2)
    if var.adapt:  # the student's backbone learns too (a deep copy; the input model is kept)
        params.append({"params": run.adapt_backbone().trainable(),
                       "lr": var.backbone_lr_for(run.task.track)})
    texts = {"anchor": [run.anchors[i] for i in fit],
             "trace": [run.trace_texts()[i] for i in tr.rows],
             "probe": [p.text for p in run.probes], "pool": [e.text for e in run.pool]}

    def feats(name: str) -> torch.Tensor:
        if run.encoder is None:
            if name == "pool" and len(X["pool"]) > var.frozen_pool_batch:
                return X["pool"][torch.from_numpy(
                    gen.choice(len(X["pool"]), var.frozen_pool_batch, replace=False))]
            return X[name]
        t = texts[name]
        if name == "pool" and len(t) > var.pool_batch:
            t = [t[i] for i in gen.choice(len(t), var.pool_batch, replace=False)]
        return run.encoder(t)

    return feats, params


@dataclass(frozen=True)
class Fixed:
    """What every training step reads and no step changes, built once per run: the trace
    targets, the graph's edges (i, j), the blocked concepts, the packet readout as a torch map
    (or None), the fitted anchors' teacher vectors (n, d_t), ``live`` (k,) and the probes'
    frozen student vectors (p, d_s)."""

    traces: TraceTargets
    edges: list[tuple[int, int]]
    blocked: list[int]
    head_fn: Callable[[torch.Tensor], torch.Tensor] | None
    t_anchor: torch.Tensor
    live: torch.Tensor
    raw_probe: torch.Tensor

    @classmethod
    def of(cls, run: Run) -> Fixed:
        cidx = run.concept_index
        return cls(trace_targets(run),
                   [(cidx[e.source], cidx[e.target]) for e in run.packet.graph.edges],
                   [cidx[c] for c in run.policy.blocked_concepts if c in cidx],
                   torch_readout(run.head, run.centroids, pair=not run.class_task)
                   if run.use_head else None,
                   torch.from_numpy(np.ascontiguousarray(run.t_anchor[run.fit_idx])),
                   torch.from_numpy(run.live),
                   torch.from_numpy(np.ascontiguousarray(run.s_probe)))


def _terms(run: Run, feats: Callable[[str], torch.Tensor], fx: Fixed) -> dict[str, torch.Tensor]:
    """One step's loss terms (scalars)."""
    cal, cent, tau, pol, tr = run.cal, run.centroids, run.tau, run.policy, fx.traces
    pool_y = cal(feats("pool"))  # shared by the structural, safety and membership terms
    return {
        "geo": L.geometric(cal(feats("anchor")), fx.t_anchor,
                           *((cent, fx.live, tau) if run.class_task else ()),
                           readout=fx.head_fn),
        "struct": L.structural(pool_y, cent, fx.edges, tau),
        "reason": L.reasoning(cal(feats("trace")), cent, tr.idx, tr.prob) if tr.rows else
        torch.zeros(()),
        "safe": L.safety(pool_y, cent, fx.blocked, tau, cal.affine.weight, pol.cal_norm_bound,
                         fx.raw_probe, cal(feats("probe")), pol.max_drift),
        "member": L.membership(pool_y, cent, fx.live, 0.1)
        if run.var.member and run.class_task else torch.zeros(()),
    }


def train_cal(run: Run) -> dict[str, Any]:
    """See module doc."""
    fx = Fixed.of(run)
    run.traces_used = fx.traces
    feats, params = _features(run, fx.traces)
    opt = torch.optim.Adam(params)
    curves, steps = run.curves, run.steps
    said = time.monotonic()  # a message at least every 2 s, whatever a step costs
    for step in range(steps):
        if run.cancel():
            raise Cancelled("ingestion cancelled; nothing was written")
        terms = _terms(run, feats, fx)
        total = sum(run.lam.get(t, run.var.member) * v for t, v in terms.items())
        for t, v in terms.items():
            curves[t].append(round(float(v.detach()), 6))
        curves["total"].append(round(float(total.detach()), 6))
        if run.on_step is not None:
            run.on_step(step, {t: curves[t][-1] for t in curves})
        if total.requires_grad and steps:
            opt.zero_grad()
            total.backward()
            opt.step()
        if step % 20 == 0 or step == steps - 1 or time.monotonic() - said > 2.0:
            said = time.monotonic()
            run.progress(f"step {step + 1}/{steps}: " + ", ".join(
                f"{t} {curves[t][-1]:.4f}" for t in TERMS), 0.95 * (step + 1) / steps)
    run.cal.eval()
    run.s_probe_after = run.s_probe
    if run.encoder is not None:  # every later figure uses the adapted backbone
        run.reencode(within(run.progress, 0.95, 1.0, "the adapted student re-encodes: "))
    return {"steps": steps, "trace targets": len(fx.traces.rows), "graph edges": len(fx.edges),
            **{f"final {t}": curves[t][-1] for t in (*TERMS, "total") if curves[t]}}
