"""Stage ``transductive``: the student's own unlabelled pool refines the map (class tasks).

Issue 16, direction 1 (label propagation for deep SSL, Iscen et al. 2019; Sinkhorn label
allocation, Tai et al. 2021): the current readout's answers on every pool input are spread
over the student's kNN graph of its own inputs (the anchors joined to it, carrying the
packet's answers for them), balanced to the **teacher's concept prior shipped in the packet**
(the manifolds' member counts) by Sinkhorn, and the CAL's affine map is refitted by ridge on
the most confident half per concept: each kept pool input → its current image moved by its
concept's offset (so the concept's cloud lands on its teacher-space centroid with its inner
geometry kept), each anchor → its teacher vector; the ridge's L2 is raised until the map
keeps the policy's CAL norm bound. ``rounds`` repeats it from the refitted map.
With the variant's ``prior_offsets``, per-concept offsets added to the readout's scores make
the pool's answers follow that prior (:func:`m2kt.ssl.prior_offsets`); they are stored as the
readout's ``thresholds`` and exported with it.

Reads ``s_pool``, ``s_anchor``/``t_anchor`` (fit rows), the manifolds, the readout choice and
the CAL; writes ``cal`` (affine, residual reset to zero) and, with offsets, ``thresholds``.
No label and no per-example teacher output beyond the packet's anchors is read. Pair tasks
are left as they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from m2kt import ssl
from m2kt.ingest.run import Run
from m2kt.ingest.stages.pool_refit import (
    cal_norm,
    follow_prior,
    readout_scores,
    refit,
    shifted,
    tv_to_prior,
)
from m2kt.ingest.zero import cal_from_transform

#: spreading strength (α of Zhou et al.) and how much of each concept's pool is kept
ALPHA, KEEP = 0.8, 0.5
#: refit targets of the kept pool inputs: "shifted" (see :func:`_shifted`) or "centroid"
#: (each input sent to its concept's centroid: collapses the geometry the drift gate watches)
TARGETS = "shifted"


def transductive(run: Run) -> dict[str, Any]:
    """See module doc."""
    if not run.class_task:
        return {"skipped": "pair task"}
    k = len(run.packet.concept_ids)
    prior = run.concept_prior()
    fit = run.fit_idx
    xs = np.concatenate([run.s_pool, run.s_anchor[fit]]).astype(np.float64)
    n = len(run.s_pool)
    run.progress(f"the kNN graph of its {n:,} own inputs and the anchors", 0.05)
    graph = ssl.knn_graph(xs)
    run.progress("the readout's answers spread over it, balanced to the packet's prior, the "
                 "map refitted on the confident half", 0.5)
    t_answer = readout_scores(run, run.t_anchor[fit].astype(np.float64)).argmax(1)
    y = run.mapped(run.s_pool)
    scores = readout_scores(run, y)
    first = before = scores.argmax(1)
    for _ in range(max(1, run.var.transductive_rounds)):
        y0 = np.concatenate([np.eye(k)[before], np.eye(k)[t_answer]]) * 0.9 + 0.1 / k
        f = ssl.spread(*graph, y0, alpha=ALPHA)[:n]
        p = ssl.balance(f, prior + 1e-6)
        keep = ssl.confident(p, KEEP)
        label = p.argmax(1)[keep]
        cent = run.man.centroids.astype(np.float64)
        moved = shifted(y[keep], label, cent) if TARGETS == "shifted" else cent[label]
        targets = np.concatenate([moved, run.t_anchor[fit].astype(np.float64)])
        fitted = refit(np.concatenate([run.s_pool[keep], run.s_anchor[fit]]), targets,
                       run.policy.cal_norm_bound)
        run.cal = cal_from_transform(fitted.transform, run.s_pool.shape[1], targets.shape[1])
        y = run.mapped(run.s_pool)
        scores = readout_scores(run, y)
        before = scores.argmax(1)
    offsets, before = follow_prior(run, scores, prior)
    return {"pool inputs": n, "kept per round": int(len(keep)),
            "ridge α": float(fitted.alpha), "CAL norm": round(cal_norm(fitted.w), 4),
            "rounds": max(1, run.var.transductive_rounds),
            "answers changed": round(float((before != first).mean()), 4),
            "distance to the packet's prior (TV), before": tv_to_prior(first, prior), **offsets}
