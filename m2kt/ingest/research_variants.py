"""Research variants of ingestion: every recipe the research log (``research/log.md``)
measured on ``dev`` that is not one a user chooses from (:data:`m2kt.ingest.variants.VARIANTS`).

They stay runnable by name — ``bench --variant``, ``research-log``, ``ingest --variant`` and
the probes under ``research/probes/`` find them through
:func:`m2kt.ingest.variants.get_variant` — so each row of the log can be made again, but the
product's list, ``ingest --help`` and the workbench offer only the product's variants.
"""

from __future__ import annotations

from dataclasses import replace

from m2kt.concepts.words import WORDS_10K
from m2kt.ingest.variants import (
    ANCHOR_STAGES,
    ATLAS_STAGES,
    MIXTURE_STAGES,
    RELATIVE_STAGES,
    TRANSDUCTIVE_SHOT,
    TRANSDUCTIVE_SHOT_GEO0,
    TRANSDUCTIVE_WORDS,
    Variant,
    swap,
    with_transductive,
)

RESEARCH: dict[str, Variant] = {v.name: v for v in (
    Variant("frozen", "frozen student; CAL (anchor-initialised) refined with the composite "
            "loss; random anchors"),
    Variant("adapt", "student backbone fine-tuned with the CAL under the composite loss",
            adapt=True, cal_lr=1e-3, steps=300),
    Variant("adapt-member", "adapt + manifold-membership self-training on the student's own "
            "unlabelled inputs (class tasks)", adapt=True, cal_lr=1e-3, steps=300, member=0.5),
    Variant("teacher-anchors", "default ingestion; the teacher picks the K anchors (k-means "
            "medoids of its own vectors of the pool)", anchor_selection="kmeans"),
    Variant("anchors-relative", "teacher-anchors, and the relative map (see `relative`) "
            "competes with the anchor-fitted maps in the cross-validation on the anchors "
            "(class tasks)", anchor_selection="kmeans", relative_candidate=True,
            pool_limit=20000),
    Variant("label-anchors", "default ingestion; the anchors are the concepts' labels first "
            "(both models embed them), then random pool inputs", anchor_selection="labels"),
    Variant("zero", "zero-crossing: unsupervised map of the student's own inputs onto the "
            "packet's manifold mixture, refined with the structural, safety and membership "
            "terms; no anchors, no traces", stages=MIXTURE_STAGES, zero_crossing=True,
            member=0.5),
    Variant("relative", "zero-crossing: the student describes its own inputs by cosines to "
            "its own vectors of the concept labels; the packet's relative readout (fitted "
            "teacher-side) names their concepts; a ridge map to those centroids is the CAL "
            "(class tasks; pair tasks fall back to zero)", stages=RELATIVE_STAGES,
            zero_crossing=True, pool_limit=20000),
    Variant("transductive", "anchors-relative, then the student's own pool refines the map: "
            "the readout's answers spread over the student's kNN graph, balanced to the "
            "packet's concept prior, the map refitted on the confident half, the readout's "
            "answers matched to that prior (class tasks)",
            stages=with_transductive(ANCHOR_STAGES), anchor_selection="kmeans",
            relative_candidate=True, pool_limit=20000, prior_offsets=True),
    TRANSDUCTIVE_WORDS,
    Variant("relative-transductive", "zero-crossing: `relative`, then the `transductive` "
            "refinement on the student's own pool (no anchors, no traces)",
            stages=with_transductive(RELATIVE_STAGES), zero_crossing=True, pool_limit=20000,
            prior_offsets=True),
    replace(TRANSDUCTIVE_WORDS, name="typical-anchors",
            description="transductive-words with the anchors chosen by typicality (TypiClust: "
            "the densest input of each k-means cluster of the teacher's vectors; kd_anchor is "
            "given the same anchors)", anchor_selection="typical"),
    replace(TRANSDUCTIVE_WORDS, name="self-learning",
            description="transductive-words with the `transductive` stage replaced by "
            "`self-learning`: the student's own k-means clusters matched as wholes to the "
            "packet's concept Gaussians (Sinkhorn to the concept prior), the map refitted on "
            "the confident clusters and the anchors, up to 5 rounds (direction 3)",
            stages=swap(TRANSDUCTIVE_WORDS.stages, "transductive", "self-learning")),
    replace(TRANSDUCTIVE_WORDS, name="shot",
            description="transductive-words with `shot` before `transductive`: the student's "
            "backbone (all of a symbolic student, the top layer of a language one) adapted "
            "through the frozen CAL and packet readout by information maximisation with the "
            "packet's concept prior, 100 steps (direction 5; its multistep students fail the "
            "alignment gate)",
            stages=swap(TRANSDUCTIVE_WORDS.stages, "transductive", "shot", "transductive")),
    TRANSDUCTIVE_SHOT,
    TRANSDUCTIVE_SHOT_GEO0,
    replace(TRANSDUCTIVE_WORDS, name="transductive-words10k",
            description="transductive-words with 10,000 public words in the packet's relative "
            "readout instead of 2,000 (language class tasks; on the others it is "
            "`transductive`)", relative_words=WORDS_10K),
    replace(TRANSDUCTIVE_SHOT_GEO0, name="transductive-shot-geo0-w10k",
            description="transductive-shot-geo0 with 10,000 public words in the packet's "
            "relative readout instead of 2,000: on the language track it is "
            "transductive-words10k, on the symbolic track transductive-shot-geo0",
            relative_words=WORDS_10K),
    replace(TRANSDUCTIVE_SHOT_GEO0, name="transductive-shot-geo0-w10k-l2",
            description="transductive-shot-geo0-w10k with the packet's relative readout "
            "fitted at L2 strength 0.01 instead of the one that best copies the teacher "
            "(research/probes/relative_transform_probe.py, dev: read directly, a smoother head "
            "transfers better between the MiniLMs; through the pipeline within the noise, not "
            "adopted: research/results/l2-probe.json)", relative_words=WORDS_10K,
            relative_l2=0.01),
    replace(TRANSDUCTIVE_SHOT_GEO0, name="transductive-shot-geo0-w10k-sp1",
            description="transductive-shot-geo0-w10k with the packet's relative readout "
            "adapted to the student's own profiles on the packet's anchors before it names the "
            "pool's concepts (L2-SP towards the shipped weights, μ 1: the best μ read directly "
            "with 2,000 words, research/results/relative-anchor-sp-probe.json); language "
            "class tasks. Its relative candidate's agreement on the anchors is in-sample",
            relative_words=WORDS_10K, relative_adapt=1.0),
    replace(TRANSDUCTIVE_SHOT_GEO0, name="transductive-shot-geo0-w10k-sp10",
            description="transductive-shot-geo0-w10k-sp1 with μ 10: the best μ read directly "
            "with the default's 10,000 words (relative-anchor-sp-probe-w10k.json)",
            relative_words=WORDS_10K, relative_adapt=10.0),
    Variant("atlas", "zero task strings: the initial map fitted on the teacher's atlas (its "
            "vectors of 10,000 public words, built once for every task) against the student's "
            "own vectors of the same words; the packet carries no anchor, trace or reference "
            "string (language track)",
            stages=ATLAS_STAGES, zero_crossing=True, uses_atlas=True, atlas_strings=10_000),
)}
