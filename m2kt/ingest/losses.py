"""The composite loss L = λ_geo·L_geo + λ_struct·L_struct + λ_reason·L_reason + λ_safe·L_safe.

All terms act on the CAL output ``f(s)`` (student vectors mapped into teacher space) and are
scale-free.  Each is zero at its optimum and positive when violated (see tests):

- ``geometric``: relative squared error between mapped anchors and the packet's teacher
  anchor vectors: Σ‖f(s_a) − t_a‖² / Σ‖t_a − t̄‖², plus (class tasks) the anchors' manifold
  membership: KL between the concept assignments of t_a and f(s_a).  Zero iff every anchor
  lands on its teacher vector.  :func:`membership` (the student's own unlabelled inputs
  sitting on a manifold) is its self-training part, weighted separately.
- ``structural``: the abstraction graph's edges keep their teacher lengths in student space:
  pseudo-centroids μ̂_c of the mapped unlabelled student inputs (soft assignment to the
  packet's centroids) must sit at the teacher's distances along every edge:
  mean_e (‖μ̂_A − μ̂_B‖ − ‖μ_A − μ_B‖)² / mean_e ‖μ_A − μ_B‖².
- ``reasoning``: for every packet trace, the student's concept distribution at the main layer
  matches the teacher's step there: cross-entropy(teacher top-k renormalised, student) minus
  the teacher distribution's own entropy (a KL divergence, zero iff they agree on the top-k).
- ``safety``: (a) no probability mass on blocked concepts over the student's inputs, (b) the
  CAL's affine part stays within its norm bound (relative Frobenius norm), (c) bounded drift of
  the student's own geometry on protected probes: 1 − Pearson r between the probes' cosine
  similarities before and after the CAL, above the allowed drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch


def soft_assign(y: torch.Tensor, centroids: torch.Tensor, tau: float) -> torch.Tensor:
    """(n, d) points, (k, d) centroids → (n, k) softmax of −‖y − μ‖² / τ."""
    d2 = torch.cdist(y, centroids) ** 2
    return torch.softmax(-d2 / tau, dim=1)


def geometric(mapped_anchors: torch.Tensor, teacher_anchors: torch.Tensor,
              centroids: torch.Tensor | None = None, live: torch.Tensor | None = None,
              tau: float = 1.0,
              readout: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """Relative squared error of the mapped anchors, plus the anchors' concept membership:
    with ``readout`` (the packet's teacher readout: vectors → (n, …, L) logits) the KL between
    its answer distributions on each anchor's teacher vector and on its mapped student vector;
    else, with ``centroids`` (class tasks), KL(p_t ‖ p_s) between the concept distributions
    (:func:`centred_cosine_logits` over the ``live`` concepts — bounded logits, whatever the
    scale of the space; ``tau`` is unused there)."""
    if len(teacher_anchors) == 0:
        return mapped_anchors.sum() * 0.0
    spread = ((teacher_anchors - teacher_anchors.mean(0)) ** 2).sum().clamp(min=1e-12)
    loss = ((mapped_anchors - teacher_anchors) ** 2).sum() / spread
    if readout is not None:
        log_t = torch.log_softmax(readout(teacher_anchors), dim=-1)
        log_s = torch.log_softmax(readout(mapped_anchors), dim=-1)
        loss = loss + (log_t.exp() * (log_t - log_s)).sum(-1).mean()
    elif centroids is not None:
        mask = live if live is not None else torch.ones(len(centroids), dtype=torch.bool)
        c = centroids[mask]
        log_t = torch.log_softmax(centred_cosine_logits(teacher_anchors, c), dim=1)
        log_s = torch.log_softmax(centred_cosine_logits(mapped_anchors, c), dim=1)
        loss = loss + (log_t.exp() * (log_t - log_s)).sum(1).mean()
    return loss


def structural(mapped: torch.Tensor, centroids: torch.Tensor, edges: Sequence[tuple[int, int]],
               tau: float) -> torch.Tensor:
    if not edges or len(mapped) == 0:
        return mapped.sum() * 0.0
    p = soft_assign(mapped, centroids, tau)  # (n, k)
    w = p / p.sum(0, keepdim=True).clamp(min=1e-9)
    pseudo = w.T @ mapped  # (k, d)
    a = torch.tensor([e[0] for e in edges])
    b = torch.tensor([e[1] for e in edges])
    target = (centroids[a] - centroids[b]).norm(dim=1)
    got = (pseudo[a] - pseudo[b]).norm(dim=1)
    return ((got - target) ** 2).mean() / (target**2).mean().clamp(min=1e-12)


def centred_cosine_logits(y: torch.Tensor, centroids: torch.Tensor,
                          temperature: float = 10.0) -> torch.Tensor:
    """Logits of the traces' concept distribution (same rule as m2kt.traces.extract)."""
    mu = centroids.mean(0)
    c = torch.nn.functional.normalize(centroids - mu, dim=1)
    x = torch.nn.functional.normalize(y - mu, dim=1)
    return temperature * x @ c.T


def reasoning(mapped_queries: torch.Tensor, centroids: torch.Tensor, target_idx: torch.Tensor,
              target_p: torch.Tensor) -> torch.Tensor:
    """``target_idx``/``target_p``: (m, t) the teacher's top-t concepts and probabilities."""
    if len(mapped_queries) == 0:
        return centroids.sum() * 0.0
    logp = torch.log_softmax(centred_cosine_logits(mapped_queries, centroids), dim=1)
    q = target_p / target_p.sum(1, keepdim=True)
    sub = torch.gather(logp, 1, target_idx)
    sub = sub - torch.logsumexp(sub, dim=1, keepdim=True)  # renormalise on the teacher's top-t
    return (q * (q.clamp(min=1e-12).log() - sub)).sum(1).mean()


def safety(mapped: torch.Tensor, centroids: torch.Tensor, blocked: Sequence[int], tau: float,
           affine_weight: torch.Tensor | None, norm_bound: float,
           probes_raw: torch.Tensor | None = None, probes_mapped: torch.Tensor | None = None,
           max_drift: float = 0.2) -> torch.Tensor:
    loss = mapped.sum() * 0.0
    if blocked and len(mapped):
        p = soft_assign(mapped, centroids, tau)
        loss = loss + p[:, list(blocked)].sum(1).mean()
    if affine_weight is not None:
        rel = affine_weight.norm() / (affine_weight.shape[0] ** 0.5)
        loss = loss + torch.relu(rel - norm_bound) ** 2
    if probes_raw is not None and probes_mapped is not None and len(probes_raw) > 2:
        loss = loss + torch.relu(drift(probes_raw, probes_mapped) - max_drift)
    return loss


def drift(raw: torch.Tensor, mapped: torch.Tensor) -> torch.Tensor:
    """1 − Pearson r of the off-diagonal cosine similarities before and after the CAL."""
    def sims(x):
        x = torch.nn.functional.normalize(x - x.mean(0), dim=1)
        s = x @ x.T
        iu = torch.triu_indices(len(x), len(x), 1)
        return s[iu[0], iu[1]]
    a, b = sims(raw), sims(mapped)
    a, b = a - a.mean(), b - b.mean()
    return 1 - (a * b).sum() / (a.norm() * b.norm()).clamp(min=1e-12)


def membership(mapped: torch.Tensor, centroids: torch.Tensor, live: torch.Tensor,
               tau: float) -> torch.Tensor:
    """Manifold membership of the student's own mapped inputs (part of L_geo, DESIGN §2):
    the more confident half of them should each sit on one concept — mean −log p(nearest
    live concept) under :func:`centred_cosine_logits` at temperature 1/τ.  Zero when every
    such point points at a centroid (τ → 0), positive between concepts.  No label is read:
    the target is the point's own nearest concept (self-training)."""
    if len(mapped) == 0:
        return centroids.sum() * 0.0
    logits = centred_cosine_logits(mapped, centroids, temperature=1.0 / tau)
    logp = torch.log_softmax(logits.masked_fill(~live[None, :], float("-inf")), dim=1)
    best = logp.max(1).values
    keep = best >= best.detach().median()
    return -(best[keep]).mean()
