"""Stage ``self-learning``: semi-supervised CAL — the seed map refined by matching the student's
own clusters to the packet's concept Gaussians (class tasks; issue 16, direction 3).

Self-learning of a cross-space map from a small seed dictionary (Artetxe et al., 2017;
Conneau et al., 2018) with cluster matching (mini-vec2vec, Dar et al., 2025); the other side
is the packet's manifolds, not a second point cloud. The student's pool is cut once into
k-means clusters of its own vectors (``CLUSTERS_PER_CONCEPT`` × k). Each round, every pool
input is scored by its mapped vector's log-density under each concept's Gaussian (the packet's
low-rank-plus-isotropic manifold, :meth:`~m2kt.concepts.manifold.Manifolds.log_density`) at
the temperature of the median top-1 − top-2 margin; those answers are balanced to the
**concept prior the packet ships** by Sinkhorn and averaged over each cluster, so a cluster is
matched to one concept as a whole. The most confident half of the clusters per concept becomes
pseudo-pairs, and the affine map is refitted by ridge on them (each member → its mapped vector
moved by its concept's offset, as in ``transductive``) together with the anchors (→ their
teacher vectors), within the policy's CAL norm bound. Rounds (the variant's
``self_learning_rounds``) stop early when no cluster changes concept. With ``prior_offsets``
the readout then gets offsets that make the pool's answers follow the prior.

Reads ``s_pool``, ``s_anchor``/``t_anchor`` (fit rows), the manifolds, the readout choice and
the CAL; writes ``cal`` (affine, residual reset) and, with offsets, ``thresholds``. No label and
no per-example teacher output beyond the packet's anchors is read. Pair tasks are skipped.
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

#: student clusters per packet concept (of 4 / 16 / 32, the highest mean dev accuracy on
#: supersense and multistep in an ad-hoc run, seed 0, no JSON kept; the variant lost to the
#: default at all three), and how much of each concept's clusters is kept
CLUSTERS_PER_CONCEPT, KEEP = 32, 0.5


def self_learning(run: Run) -> dict[str, Any]:
    """See module doc."""
    if not run.class_task:
        return {"skipped": "pair task"}
    prior = run.concept_prior()
    fit = run.fit_idx
    cluster = student_clusters(run.s_pool, CLUSTERS_PER_CONCEPT * len(prior), run.seed)
    y = run.mapped(run.s_pool)
    first = readout_scores(run, y).argmax(1)
    matched, changed = None, []
    for _ in range(max(1, run.var.self_learning_rounds)):
        p = ssl.balance(gaussian_answers(run, y), prior + 1e-6)
        per_cluster = cluster_means(p, cluster)  # (m, k): each cluster's balanced answer
        now = per_cluster.argmax(1)
        changed.append(int(len(now) if matched is None else (now != matched).sum()))
        if matched is not None and not changed[-1]:
            break
        matched = now
        keep = np.isin(cluster, ssl.confident(per_cluster, KEEP))
        label = matched[cluster[keep]]
        targets = np.concatenate([shifted(y[keep], label, run.man.centroids.astype(np.float64)),
                                  run.t_anchor[fit].astype(np.float64)])
        fitted = refit(np.concatenate([run.s_pool[keep], run.s_anchor[fit]]), targets,
                       run.policy.cal_norm_bound)
        run.cal = cal_from_transform(fitted.transform, run.s_pool.shape[1], targets.shape[1])
        y = run.mapped(run.s_pool)
    offsets, answers = follow_prior(run, readout_scores(run, y), prior)
    return {"pool inputs": len(y), "student clusters": int(cluster.max() + 1),
            "rounds": len(changed), "clusters changing concept per round": changed,
            "concepts matched": int(len(np.unique(matched))),
            "CAL norm": round(cal_norm(fitted.w), 4),
            "answers changed": round(float((answers != first).mean()), 4),
            "distance to the packet's prior (TV), before": tv_to_prior(first, prior), **offsets}


def student_clusters(x: np.ndarray, m: int, seed: int) -> np.ndarray:
    """Cluster ids (n,) of the student's vectors ``x`` (n, d): k-means with ``m`` clusters
    (at most n), ids 0…m'−1 with every id used."""
    from sklearn.cluster import KMeans

    m = max(1, min(m, len(x)))
    ids = KMeans(m, n_init=1, random_state=seed).fit_predict(np.asarray(x, np.float64))
    return np.unique(ids, return_inverse=True)[1].astype(np.int64)


def gaussian_answers(run: Run, y: np.ndarray) -> np.ndarray:
    """(n, k) distributions over concepts of mapped points ``y`` (n, d_t): softmax of their
    log-densities under the packet's manifolds at the temperature of the median top-1 − top-2
    margin (concepts without members get 0)."""
    s = run.man.log_density(y)
    s[:, np.asarray(run.man.counts) <= 0] = -np.inf
    z = s / ssl.margin_temperature(s)
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def cluster_means(p: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """(m, k) mean of the rows of ``p`` (n, k) in each of the m clusters ``cluster`` (n,)."""
    m = int(cluster.max()) + 1
    out = np.zeros((m, p.shape[1]))
    np.add.at(out, cluster, p)
    return out / np.maximum(np.bincount(cluster, minlength=m), 1)[:, None]
