"""Named M2KT method variants of ingestion (``ingest --variant``, ``bench --variant``).

Every variant reads the same packet and the same counted student-side inputs; they differ in
what ingestion may train and which terms it uses. :data:`VARIANTS` holds the product's —
what a user chooses from, each with a reason in :data:`PUBLIC`; the research variants the
research log (``research/log.md``) measured live in :mod:`m2kt.ingest.research_variants` and
are found by name through :func:`get_variant`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from m2kt.concepts.words import WORDS_10K, WORDS_V1
from m2kt.errors import UsageError
from m2kt.ingest.weights import DEFAULT_WEIGHTS

#: the stages of ingestion in order (:mod:`m2kt.ingest.pipeline` maps each name to its
#: function); variants differ in the initial map and in their settings below
ANCHOR_STAGES = ("encode", "map-anchors", "cal-training", "calibration", "gates", "evaluation")
MIXTURE_STAGES = ("encode", "map-mixture", *ANCHOR_STAGES[2:])
RELATIVE_STAGES = ("encode", "map-relative", *ANCHOR_STAGES[2:])


#: zero task strings: the initial map fitted on the teacher's atlas (task-independent pairs)
ATLAS_STAGES = ("encode", "map-atlas", *ANCHOR_STAGES[2:])

#: zero crossing, answering with the packet's relative readout (the CAL still trained)
READ_RELATIVE_STAGES = (*RELATIVE_STAGES[:3], "read-relative", *RELATIVE_STAGES[3:])


#: the stages every variant runs
COMMON_STAGES = ("encode", "cal-training", "calibration", "gates", "evaluation")


def with_transductive(stages: tuple[str, ...]) -> tuple[str, ...]:
    """``stages`` with ``transductive`` right after ``cal-training``."""
    i = stages.index("cal-training") + 1
    return (*stages[:i], "transductive", *stages[i:])


def swap(stages: tuple[str, ...], old: str, *new: str) -> tuple[str, ...]:
    """``stages`` with ``old`` replaced by the stages ``new`` (in order)."""
    i = stages.index(old)
    return (*stages[:i], *new, *stages[i + 1:])


#: what each stage does, one line each (pages show it)
STAGE_DESCRIPTIONS = {
    "encode": "the student encodes the anchors, trace queries, its own unlabelled inputs and "
              "the safety probes (all counted)",
    "map-anchors": "initial map fitted on the packet's anchors, chosen by cross-validated "
                   "agreement with the packet's readout",
    "map-mixture": "initial map without crossing inputs: the student's cloud aligned to the "
                   "packet's manifold mixture",
    "map-relative": "initial map without crossing inputs: the student's inputs named by the "
                    "packet's relative readout, mapped to those concepts' centroids",
    "map-atlas": "initial map without task strings: a ridge map from the student's own "
                 "vectors of the atlas's public strings to the teacher's (the atlas, built "
                 "once per teacher without any task, is counted as atlas strings)",
    "cal-training": "the CAL trained with the composite loss (geometric, structural, "
                    "reasoning, safety)",
    "transductive": "the readout's answers on the student's own pool spread over its kNN "
                    "graph, balanced to the packet's concept prior (Sinkhorn); the map refitted "
                    "on the confident half; offsets make the pool's answers follow that prior "
                    "(class tasks)",
    "self-learning": "semi-supervised CAL: the student's own clusters matched to the packet's "
                     "concept Gaussians (balanced to its concept prior), the map refitted on "
                     "the confident clusters and the anchors, repeated (class tasks)",
    "shot": "the student's backbone adapted through the frozen CAL and packet readout: "
            "confident answers on its own pool whose mean follows the packet's concept prior, "
            "anchors kept (SHOT; class tasks)",
    "read-relative": "the student will answer with the packet's relative readout read on its "
                     "own profiles (cosines to its own vectors of the labels and public "
                     "words), not through the CAL; only the head's weights crossed",
    "calibration": "label-free thresholds of the pair readout on the student's own pool",
    "gates": "post-ingestion gates: alignment, trace agreement, probes, drift, CAL norm",
    "evaluation": "the new student alone on the held-out split (labels only to score)",
}


@dataclass(frozen=True)
class Variant:
    """``adapt``: fine-tune the student backbone with the CAL (``train_top`` top layers on
    the language track; every parameter of the tiny symbolic students).  ``member``: weight of
    the manifold-membership part of L_geo on the student's own unlabelled inputs (class tasks;
    self-training toward the nearest packet manifold).  ``zero_crossing``: no anchors and no
    traces are read — the map comes from the student's own inputs and the packet's manifolds
    alone (:mod:`m2kt.ingest.zero`), so no per-example teacher information crosses.
    ``stages``: the pipeline's stages in order; the initial map (``map-anchors``,
    ``map-mixture``, ``map-relative``) is where variants differ most."""

    name: str
    description: str
    stages: tuple[str, ...] = ANCHOR_STAGES
    adapt: bool = False
    train_top_language: int | None = 1
    backbone_lr: float = 1e-3
    cal_lr: float = 1e-4
    steps: int = 200
    member: float = 0.0
    pool_batch: int = 128
    #: pool inputs per step when the backbone is frozen (the pool terms are means over it)
    frozen_pool_batch: int = 2048
    zero_crossing: bool = False
    #: the initial map reads the teacher's atlas (:mod:`m2kt.atlas`; ``ingest --atlas``)
    uses_atlas: bool = False
    #: strings in the atlas the bench builds for this variant
    atlas_strings: int = 0
    #: offer the relative map (stage ``map-relative``) to ``map-anchors``'s cross-validation
    #: as one more candidate (class tasks)
    relative_candidate: bool = False
    #: at most this many of the student's own unlabelled pool inputs (counted)
    pool_limit: int = 4000
    #: how the bench builds this variant's packet anchors (m2kt.packet.build.ANCHOR_SELECTIONS)
    anchor_selection: str = "random"
    #: readout of the relative map: nearest centroid by "cosine" or Euclidean ("centroid")
    relative_readout: str = "cosine"
    #: rounds of the ``transductive`` stage (spread → balance → refit), when it is listed
    transductive_rounds: int = 1
    #: rounds of the ``self-learning`` stage at most (it stops when no cluster changes)
    self_learning_rounds: int = 5
    #: steps of the ``shot`` stage (batches of ``pool_batch`` pool inputs), and the tracks on
    #: which it runs (skipped on the others)
    shot_steps: int = 100
    shot_tracks: tuple[str, ...] = ("language", "symbolic")
    #: the ``transductive`` stage ends with per-concept readout offsets matching the packet's
    #: concept prior on the pool (:func:`m2kt.ssl.prior_offsets`)
    prior_offsets: bool = False
    #: the relative readout's answers on the pool get per-concept offsets that make them follow
    #: the packet's concept prior before they name the pool's concepts (stage ``map-relative``
    #: and the relative candidate; label-free, :func:`m2kt.ssl.prior_offsets`); language track
    #: only — its dev evidence is there, and the symbolic report was made without it
    relative_prior: bool = False
    #: public words in the relative readout of the packets the bench builds for this variant
    #: (language class tasks; :mod:`m2kt.concepts.words`); 0 for every variant chosen before
    #: direction 2, so their research-log rows stay reproducible
    relative_words: int = 0
    #: the L2 strength of that relative readout, fixed when the packet is built (``None``:
    #: chosen by the teacher's agreement with itself, as in every variant chosen before it)
    relative_l2: float | None = None
    #: the student adapts the packet's relative readout to its own profiles on the packet's
    #: anchors before reading it (language class tasks): L2-SP towards the shipped weights
    #: with this μ (:func:`m2kt.heads.refit_towards`), the targets the packet readout's answers
    #: on the anchors' teacher vectors; ``None``: read as shipped (every variant before it)
    relative_adapt: float | None = None
    #: λ overrides of the composite loss per track, ``(track, term, λ)``: applied over
    #: :data:`~m2kt.ingest.weights.DEFAULT_WEIGHTS` before any weight the caller gives
    track_weights: tuple[tuple[str, str, float], ...] = ()

    def weights(self, track: str) -> dict[str, float]:
        """The λ this variant trains with on ``track`` (every term of
        :data:`~m2kt.ingest.weights.TERMS`): the engine's defaults with the variant's overrides
        for that track."""
        return dict(DEFAULT_WEIGHTS) | {t: w for tr, t, w in self.track_weights if tr == track}

    def effective(self, track: str) -> dict:
        """What this variant computes on ``track``: every setting but its name and description,
        with the stages skipped on that track dropped (``shot`` off its ``shot_tracks``), the
        public words dropped off the language track and the per-track weights resolved. Two
        variants with equal ``effective(track)`` ingest alike there."""
        out = asdict(self)
        for k in ("name", "description", "shot_tracks", "track_weights"):
            out.pop(k)
        if track != "language":  # only language packets carry public words
            out.pop("relative_words")
            out.pop("relative_l2")
            out.pop("relative_adapt")
        out["stages"] = tuple(s for s in self.stages
                              if s != "shot" or track in self.shot_tracks)
        out["weights"] = self.weights(track)
        return out

    def distinct_stages(self) -> tuple[str, ...]:
        """The stages that set this variant apart (its initial map and any refinement), in
        order: every stage but those all variants share."""
        return tuple(s for s in self.stages if s not in COMMON_STAGES)

    def train_top(self, track: str) -> int | None:
        return self.train_top_language if track == "language" else None

    def backbone_lr_for(self, track: str) -> float:
        return self.backbone_lr if track == "symbolic" else self.backbone_lr / 20


#: the default (chosen below), and the base of `typical-anchors`
TRANSDUCTIVE_WORDS = Variant(
    "transductive-words", "transductive with 2,000 public words in the packet's relative "
    "readout and the relative answers calibrated to the packet's concept prior (language class "
    "tasks; on the others it is `transductive`)",
    stages=with_transductive(ANCHOR_STAGES), anchor_selection="kmeans",
    relative_candidate=True, pool_limit=20000, prior_offsets=True,
    relative_prior=True, relative_words=WORDS_V1)

#: SHOT on the symbolic track only (direction 5)
TRANSDUCTIVE_SHOT = replace(
    TRANSDUCTIVE_WORDS, name="transductive-shot",
    description="transductive-words, and on the symbolic track `shot` before `transductive` "
    "(the tiny student's backbone adapted through the frozen CAL and packet readout); on the "
    "language track it is transductive-words. Its multistep students fail the alignment gate "
    "on 7 of 8 dev seeds",
    stages=swap(TRANSDUCTIVE_WORDS.stages, "transductive", "shot", "transductive"),
    shot_tracks=("symbolic",))

#: ... with λ_geo = 0 on the symbolic track (the composite loss's weights, below)
TRANSDUCTIVE_SHOT_GEO0 = replace(
    TRANSDUCTIVE_SHOT, name="transductive-shot-geo0",
    description="transductive-shot with λ_geo = 0 on the symbolic track (from the anchors' "
    "initial map the CAL trains on the reasoning and safety terms only; SHOT then adapts the "
    "backbone, holding the anchors); on the language track it is transductive-words",
    track_weights=(("symbolic", "geo", 0.0),))


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    replace(TRANSDUCTIVE_SHOT_GEO0, name="student-anchors",
            description="transductive-shot-geo0 with its 64 anchors chosen by the student "
            "(k-means of its own vectors of its pool; only those 64 reach the teacher) and no "
            "public words in the packet's relative readout (the concept labels only): what "
            "crosses is the anchors, the traces on them and the labels (BENCHMARK v3)",
            anchor_selection="student-kmeans", relative_words=0),
    replace(TRANSDUCTIVE_SHOT_GEO0, name="student-anchors-words",
            description="student-anchors with 10,000 public words in the packet's relative "
            "readout (each counted as a task string under BENCHMARK v3)",
            anchor_selection="student-kmeans", relative_words=WORDS_10K),
    replace(TRANSDUCTIVE_SHOT_GEO0, name="random-anchors",
            description="student-anchors with the anchors a seeded random sample of the "
            "student's pool instead of its k-means choice",
            anchor_selection="random", relative_words=0),
    Variant("relative-direct", "zero-crossing: the student answers with the packet's relative "
            "readout read on its own profiles (cosines to its own vectors of the concept "
            "labels and 2,000 public words, answers following the packet's concept prior; "
            "language pair tasks: one readout per queried concept on the labels; symbolic pair "
            "tasks: as `relative`), not through a map",
            stages=READ_RELATIVE_STAGES, zero_crossing=True, pool_limit=20000,
            relative_prior=True, relative_words=WORDS_V1),
    Variant("atlas-prior", "`atlas`, then the transductive stage: the packet readout's answers "
            "on the student's own pool balanced to the packet's concept prior, the map refitted "
            "on the confident half, readout offsets matching that prior",
            stages=with_transductive(ATLAS_STAGES), zero_crossing=True, uses_atlas=True,
            atlas_strings=10_000, prior_offsets=True),

)}
#: chosen on dev (research/log.md, research/results/*.json): the highest mean dev
#: retention over the tasks valid on dev (supersense, gloss, multistep) — `anchors-relative`
#: among the bench rows, and `transductive` beats it on each of the three with the same packet
#: (research/probes/transductive_probe.py). The teacher chooses the anchors; on class tasks the
#: relative map competes in the anchor cross-validation, then the student's own pool refines
#: the map and the answers follow the packet's concept prior. Then (direction 2, same dev
#: probe): 2,000 public words in the relative readout with prior-calibrated relative answers
#: raise the dev figures to 0.340 / 0.647 (supersense / gloss; transductive 0.319 / 0.613 with
#: the same anchors; research/results/transductive-probe-words2000-relprior.json), so
#: `transductive-words` was the default; on symbolic tasks it equals `transductive`. Then
#: (direction 5, research/probes/variant_probe.py --variants transductive-words shot, 3 seeds, dev,
#: research/results/shot-probe.json): SHOT raises multistep on every seed (+0.087 ± 0.090)
#: and lowers gloss on every seed (−0.027 ± 0.008; supersense −0.002 ± 0.009), modular
#: unchanged (research-log rows); run on the symbolic track only (`transductive-shot`) it
#: raises multistep, but its students fail the alignment gate (3 of 3 dev seeds at 25, 50 and
#: 100 steps, research/probes/shot_gate_probe.py; 7 of 8 seeds in the weight probe below). Then (the
#: composite loss's weights, research/probes/weight_probe.py, research/results/
#: weight-probe-symbolic.json seeds 0–2 and weight-probe-multistep-seeds3-7.json seeds 3–7,
#: dev, the same packet per seed): with λ_geo = 0 on the symbolic track, `transductive-shot`
#: keeps its multistep gain (0.714 vs 0.659 mean over 8 seeds, +0.056 ± 0.050, higher on 8 of
#: 8) and its students pass every gate on 6 of 8 seeds — `transductive-words` passes on 4 of 8
#: (the alignment gate fails on multistep for both; λ_geo = λ_reason = 0: 0.727, 5 of 8).
#: Taxonomy and modular stay at chance with every setting (0 of 3 gates passed each). On the
#: language track it is `transductive-words`, computation for computation. A default must make
#: students that pass their own gates at least as often as the one it replaces:
#: `transductive-shot-geo0` was the default. Then (where the language ceiling gap comes from,
#: research/probes/route_probe.py and research/probes/variant_probe.py --variants transductive-words
#: transductive-words10k, research/results/words10k-probe.json, dev, 3 seeds, the same
#: anchors): 10,000 public words in the relative readout instead of 2,000 raise supersense
#: (+0.014 ± 0.006) and gloss (+0.007 ± 0.005) on every seed; the symbolic track reads no
#: words. `transductive-shot-geo0-w10k` is the default.
#: BENCHMARK v3 (research/log.md, "Benchmark v3: the default under the new count";
#: `python -m m2kt research-log --variants student-anchors random-anchors
#: student-anchors-words transductive-shot-geo0-w10k --tasks gloss supersense multistep
#: --seeds 3`, research/results/v3/*.json, dev): counted as v3 counts, the 10,000 public
#: words put M2KT's crossing at ≈ 10,000 strings, where KD on as many inputs is far ahead
#: (supersense −1,991 % at parity, gloss −1,959 %), and a teacher reading the pool to choose
#: anchors adds the whole pool (multistep −11,225 %). Without words, anchors drawn at random
#: from the student's pool give the best v3 figure on the tasks valid on dev: supersense 0.302
#: with 90 crossing strings (52 % less data than KD at parity, CI [−7 %, 66 %]; the student's
#: own k-means anchors 0.262, 1 %), multistep 0.743 (student k-means 0.739; both need ~7× the
#: strings KD does); gloss, not valid on dev, 0.617 (72 % less data). Its multistep students
#: pass every gate on 1 of 3 dev seeds (the student's k-means anchors: 3 of 3; the default
#: it replaces: 1 of 3). `random-anchors` is the default.
DEFAULT_VARIANT = "random-anchors"


#: the variants a user chooses from, each with its one-line reason (``ingest --help``, Align &
#: Ingest); every other variant is a research variant, kept so that the research log's rows
#: stay reproducible (research/log.md)
PUBLIC: dict[str, str] = {
    "random-anchors": "the default: 64 of your student's texts drawn at random as anchors, the "
                      "packet's label readout competing with the anchor map, then refined on "
                      "your own texts (SHOT on a symbolic student) — the best count-for-count "
                      "figure on dev",
    "student-anchors": "the same with the anchors your student picks (k-means of its own "
                       "vectors); its symbolic students passed their gates more often on dev",
    "student-anchors-words": "with 10,000 public words in the packet's relative readout: more "
                             "accurate on the language tasks, but every word counts as a "
                             "crossing string",
    "atlas-prior": "zero task strings: the packet names the teacher's atlas (its vectors of "
                   "10,000 public words, built once for every task; `ingest --atlas`) and the "
                   "student maps itself onto it, then follows the packet's concept prior on "
                   "its own texts. On dev it matches KD given the teacher's answers on the "
                   "same words; it pays off only across several tasks of one teacher (the "
                   "atlas's strings are counted once per teacher), never in bytes",
    "relative-direct": "no anchor: the student answers with the packet's relative readout on "
                       "its own similarity profiles (the concept labels and 2,000 public words "
                       "cross as the readout's columns)",
}


def same_as_default(name: str, tracks: set[str]) -> bool:
    """Whether variant ``name`` computes what the default does on every track in ``tracks``
    (a report made with it stands for the default there)."""
    v, d = get_variant(name), get_variant(DEFAULT_VARIANT)
    return all(v.effective(t) == d.effective(t) for t in tracks)


def all_variants() -> dict[str, Variant]:
    """The product's variants, then the research variants
    (:mod:`m2kt.ingest.research_variants`), by name: what ``bench --variant`` and
    ``research-log`` accept."""
    from m2kt.ingest.research_variants import RESEARCH

    return {**VARIANTS, **RESEARCH}


def get_variant(name: str) -> Variant:
    """The variant ``name``: a product variant, or a research variant by its name."""
    every = all_variants()
    if name not in every:
        raise UsageError(f"unknown ingestion variant {name!r}; choose one of "
                         f"{', '.join(VARIANTS)} (research variants: research/log.md)")
    return every[name]
