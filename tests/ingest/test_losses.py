"""Each composite-loss term is zero at its optimum and positive when violated."""

from __future__ import annotations

import torch

from m2kt.ingest import losses as L

torch.manual_seed(0)
CENT = torch.randn(5, 8) * 3
TAU = 4.0


def test_geometric_zero_iff_anchors_land() -> None:
    t = torch.randn(20, 8)
    assert L.geometric(t.clone(), t) == 0
    assert L.geometric(t + 0.5, t) > 0


def test_structural_zero_when_pseudo_centroids_match_teacher() -> None:
    # mapped points sitting exactly on the centroids: pseudo-centroids equal the centroids
    pts = CENT.repeat_interleave(10, 0)
    edges = [(0, 1), (1, 2), (3, 4)]
    assert float(L.structural(pts, CENT, edges, tau=0.01)) < 1e-8
    squashed = pts * 0.3
    assert L.structural(squashed, CENT, edges, tau=0.01) > 0.1


def test_reasoning_zero_when_distributions_agree() -> None:
    q = CENT[[0, 2]] * 1.0
    logp = torch.softmax(L.centred_cosine_logits(q, CENT), 1)
    idx = torch.argsort(-logp, 1)[:, :3]
    p = torch.gather(logp, 1, idx)
    assert float(L.reasoning(q, CENT, idx, p)) < 1e-6
    wrong = torch.flip(p, dims=[1])
    assert L.reasoning(q, CENT, idx, wrong) > 0.01


def test_safety_terms() -> None:
    far = CENT[[1, 2, 3]]  # points on concepts 1–3, none on blocked concept 0
    w_ok = torch.eye(8)
    assert float(L.safety(far, CENT, [0], 0.01, w_ok, norm_bound=2.0)) < 1e-6
    on_blocked = CENT[[0, 0]]
    assert L.safety(on_blocked, CENT, [0], 0.01, w_ok, norm_bound=2.0) > 0.5
    assert L.safety(far, CENT, [], 0.01, w_ok * 10, norm_bound=2.0) > 1.0
    probes = torch.randn(10, 8)
    assert float(L.drift(probes, probes * 2 + 1)) < 1e-6
    assert L.safety(far, CENT, [], 0.01, None, 2.0, probes, torch.randn(10, 8),
                    max_drift=0.05) > 0


def test_geometric_membership_part_zero_at_optimum_positive_off_manifold() -> None:
    t = CENT[[0, 1, 2, 3]] + 0.1 * torch.randn(4, 8)
    live = torch.ones(5, dtype=torch.bool)
    assert float(L.geometric(t.clone(), t, CENT, live, TAU)) < 1e-6
    # anchors moved onto other concepts: the position error and the membership KL both count
    moved = CENT[[1, 2, 3, 4]]
    assert L.geometric(moved, t, CENT, live, TAU) > L.geometric(moved, t)


def test_membership_zero_on_centroids_positive_between() -> None:
    live = torch.ones(5, dtype=torch.bool)
    on = CENT.repeat_interleave(4, 0)
    assert float(L.membership(on, CENT, live, tau=0.01)) < 1e-6
    between = (CENT[[0, 1, 2]] + CENT[[1, 2, 3]]) / 2
    assert L.membership(between, CENT, live, tau=TAU) > 0.1
    # a dead concept (no members in the packet) is never a target: a point on it is pulled
    # toward a live one, with a finite loss and gradient
    dead = live.clone()
    dead[0] = False
    x = (CENT[[0]] + 0.0).requires_grad_(True)
    loss = L.membership(x, CENT, dead, tau=TAU)
    loss.backward()
    assert torch.isfinite(loss) and float(loss) > 0 and torch.isfinite(x.grad).all()
