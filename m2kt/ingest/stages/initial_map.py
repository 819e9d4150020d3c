"""Stages ``map-anchors``, ``map-relative``, ``map-mixture`` and ``map-atlas``: the CAL's
initial map.

Each reads what ``encode`` wrote and writes ``sel`` (the map's method, the student's readout
and the cross-validated table) and ``cal`` (the CAL module initialised to that map):

- ``map-anchors`` — candidate maps fitted on the packet's anchors, chosen by cross-validated
  agreement with the packet's readout (:mod:`m2kt.ingest.select`); with the variant's
  ``relative_candidate`` the zero-crossing relative map competes too (class tasks);
- ``map-relative`` — zero crossing: a ridge map from the student's own inputs to the centroids
  of the concepts the packet's relative readout names for them (class tasks; pair tasks fall
  back to ``map-mixture``);
- ``map-mixture`` — zero crossing: the student's own cloud aligned to the packet's manifold
  mixture (:mod:`m2kt.ingest.zero`);
- ``map-atlas`` — zero task strings: a ridge map fitted on the teacher's atlas
  (:mod:`m2kt.atlas`), the student's own vectors of its public strings against the teacher's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from m2kt.align import make
from m2kt.concepts import relative as concept_relative
from m2kt.domains.base import TEXT_TRACKS
from m2kt.ingest.relative_reader import reader_for
from m2kt.ingest.run import Run
from m2kt.ingest.select import CANDIDATE_METHODS, Selection, select
from m2kt.ingest.zero import cal_from_transform, mixture_map


def map_anchors(run: Run) -> dict[str, Any]:
    """See module doc (``map-anchors``)."""
    rel = _relative(run) if run.var.relative_candidate and run.method == "auto" else None
    fit = run.fit_idx
    # the relative map never saw an anchor: its agreement on all of them is out-of-sample,
    # like the cross-validated agreement of the anchor-fitted maps it competes with — except
    # with ``relative_adapt``, whose head was refitted on these anchors (in-sample; the
    # research variants `-sp1`/`-sp10` only)
    extra = ({"relative": (rel[0].transform(run.s_anchor[fit]), run.var.relative_readout)}
             if rel is not None else None)
    sel = select(run.s_anchor[fit], run.t_anchor[fit], run.man, run.head,
                 pair=not run.class_task,
                 methods=CANDIDATE_METHODS if run.method == "auto" else (run.method,),
                 seed=run.seed, extra=extra)
    run.progress(f"initial map {sel.method}, readout {sel.readout} (cross-validated agreement "
                 f"on the anchors: {', '.join(f'{k} {v:.2f}' for k, v in sel.table.items())})",
                 0.9)
    d_s, d_t = run.s_pool.shape[1], run.packet.manifest.d_teacher
    run.sel = sel
    run.cal = (cal_from_transform(rel[0].transform, d_s, d_t) if sel.method == "relative"
               else _affine(sel.method, run.s_anchor[fit], run.t_anchor[fit], run.seed))
    return {"method": sel.method, "readout": sel.readout,
            **{f"agreement {k}": round(v, 4) for k, v in sel.table.items()}}


def map_atlas(run: Run) -> dict[str, Any]:
    """See module doc (``map-atlas``): a ridge map from the student's own vectors of the
    atlas's strings (k, d_s) to the teacher's vectors in the atlas (k, d_t); its strength
    chosen on held-out atlas pairs (no label, no task input). The student encodes the k strings
    (counted as student inputs; the ledger counts them once as atlas strings)."""
    from m2kt.align.atlas import fit_atlas_map

    atlas = run.atlas
    assert atlas is not None, "prepare() requires the atlas for a variant that reads one"
    s_atlas = run.encode_texts(list(atlas.strings))
    run.ledger.student_inputs += len(s_atlas)
    fitted = fit_atlas_map(s_atlas, np.asarray(atlas.vectors, np.float64), seed=run.seed)
    run.sel = Selection("atlas", "head", {"ridge_alpha": fitted.alpha})
    run.cal = cal_from_transform(fitted.transform, run.s_pool.shape[1],
                                 run.packet.manifest.d_teacher)
    run.progress(f"initial map: ridge from the student's vectors of {len(s_atlas):,} atlas "
                 f"strings to the teacher's (strength {fitted.alpha:g}, held-out fit "
                 f"R² {fitted.r2:.2f}; no task strings)", 0.9)
    return {"method": "atlas", "readout": "head", "atlas strings": len(s_atlas),
            "ridge strength": fitted.alpha, "held-out R²": round(fitted.r2, 4)}


def map_relative(run: Run) -> dict[str, Any]:
    """See module doc (``map-relative``)."""
    rel = _relative(run)
    if rel is None:  # pair tasks (or a packet without the relative readout)
        return map_mixture(run)
    transform, named = rel
    run.sel = Selection("relative", run.var.relative_readout, {"concepts_named": named})
    run.cal = cal_from_transform(transform.transform, run.s_pool.shape[1],
                                 run.packet.manifest.d_teacher)
    run.progress("initial map: ridge from the student's own inputs to the centroids of the "
                 "concepts the packet's relative readout gives them (no crossing inputs)", 0.9)
    return {"method": "relative", "readout": run.sel.readout, "concepts named": named}


def map_mixture(run: Run) -> dict[str, Any]:
    """See module doc (``map-mixture``)."""
    readout = "head" if run.head is not None and not run.class_task else (
        "centroid" if run.class_task else "manifold")
    run.sel = Selection("unsupervised", readout, {})
    zmap = mixture_map(run.s_pool, run.man, run.seed)
    run.progress("initial map: unsupervised, student's own inputs → the packet's manifold "
                 "mixture (no crossing inputs)", 0.08)
    run.cal = cal_from_transform(zmap.transform, run.s_pool.shape[1],
                                 run.packet.manifest.d_teacher)
    return {"method": "unsupervised", "readout": readout}


def _relative(run: Run):
    """The relative map of the student's own pool (``transform``: (n, d_s) → (n, d_t)) and how
    many concepts it named, or ``None`` on pair tasks / without the packet's relative readout.

    The student describes each of its unlabelled inputs by z-scored cosines to its own vectors
    of the concept labels and of the packet's public words, if any (C + W, d_s); the packet's
    relative readout (fitted teacher-side) names a concept for each; a ridge map sends every
    input to that concept's teacher-space centroid. The label and word texts are counted in
    the ledger (student-side inputs; none crosses)."""
    rel_head = concept_relative.from_tensors(run.packet.tensors) if run.class_task else None
    if rel_head is None:
        return None
    label_vecs = run.encode_texts(concept_relative.reference_strings(
        [c.label for c in run.task.concepts], list(run.packet.anchors.words)))
    run.ledger.student_inputs += len(label_vecs)
    # the answers follow the packet's concept prior (label-free) on the language track
    prior = (run.concept_prior() if run.var.relative_prior and run.task.track in TEXT_TRACKS
             else None)
    if run.var.relative_adapt is not None and run.task.track in TEXT_TRACKS:
        rel_head = _adapted(run, rel_head, label_vecs)
    pseudo = reader_for(rel_head, label_vecs, run.s_pool, None, prior).answer(run.s_pool)
    targets = np.asarray(run.man.centroids, np.float64)[pseudo]
    return make("ridge").fit(run.s_pool, targets), int((np.bincount(pseudo) > 0).sum())


def _adapted(run: Run, rel_head, ref: np.ndarray):
    """The packet's relative head (a ``LinearHead`` over S profile features) adapted to the
    student's profiles of the packet's fitting anchors (``run.fit_idx``; the held-out ones are
    the gates'): L2-SP towards the shipped weights with the variant's μ, the targets the
    packet readout's answers (softmax) on the anchors' teacher vectors. ``ref`` (S, d_s): the
    student's vectors of the reference strings. Unchanged without anchors or teacher head."""
    from m2kt.heads import refit_towards
    from m2kt.ingest.readout import class_scores

    fit = run.fit_idx
    if run.head is None or run.s_anchor is None or len(fit) == 0:
        return rel_head
    base = reader_for(rel_head, ref, run.s_pool, None, None)  # the pool's profile statistics
    z = (concept_relative.profiles(run.s_anchor[fit], ref) - base.mean) / base.std
    scores = class_scores(run.t_anchor[fit], run.man, run.head)
    p = np.exp(scores - scores.max(1, keepdims=True))
    return refit_towards(rel_head, z, p / p.sum(1, keepdims=True), run.var.relative_adapt)


def _affine(method: str, xs: np.ndarray, yt: np.ndarray, seed: int):
    """CAL module initialised by ``method`` on paired anchors (identity-free affine part)."""
    al = make(method, **({"seed": seed} if method == "cal" else {})).fit(xs, yt)
    if method == "cal":
        return al.module
    return cal_from_transform(al.transform, xs.shape[1], yt.shape[1])
