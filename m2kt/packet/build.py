"""Build a knowledge packet from a task's teacher (teacher side; DESIGN §2).

Inputs the teacher processes are its own ``teacher_train`` data (capped by ``max_inputs``),
the graph probes it answers, the trace queries, and — only if asked — ``anchors`` unlabelled
``transfer_pool`` inputs whose teacher vectors cross to the student.  Every count goes into
the provenance, and so does what the teacher read of the student's side (``to_teacher``,
BENCHMARK v3: anchors sent to it, a pool it read to choose them, trace queries taken from the
pool).  No gold label is read: membership, graph and traces come from the teacher's own answers
and representations.

No ``teacher_train`` text enters any member: the manifolds and readouts are statistics and
weights; the trace queries are the anchors (student-side strings that cross anyway), else the
packet's public reference strings, else inputs of the student's pool (counted as sent to the
teacher); the public words avoid every word of ``teacher_train`` (:mod:`m2kt.concepts.words`).
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from m2kt import __version__
from m2kt.atlas.artefact import Atlas
from m2kt.concepts import readout as concept_readout
from m2kt.concepts import relative as concept_relative
from m2kt.concepts.manifold import ManifoldStats
from m2kt.concepts.teacher import QUERY_TASKS, Teacher, load_teacher, requery
from m2kt.concepts.words import default_words, public_words
from m2kt.domains.base import Example, Task
from m2kt.errors import UsageError
from m2kt.graph.extract import centroid_neighbour_edges, confusion_edges, containment_edges
from m2kt.graph.methods import CLASS_GRAPH_METHODS, GRAPH_METHODS
from m2kt.ledger import distinct, hop_prefixes, text_bytes
from m2kt.models.extract import normalize_layer
from m2kt.models.spec import Monotone, Progress, no_progress, within
from m2kt.packet.engine import StreamOptions, engine_name, stream_statistics
from m2kt.packet.signing import SigningKey
from m2kt.packet.writer import pack, write_atomic
from m2kt.traces.extract import add_hop_steps, add_sub_steps, layer_traces


@dataclass(frozen=True)
class BuildResult:
    """What was written. ``anchors``: the anchor inputs whose teacher vectors the packet
    carries (the benchmark's ``kd_anchor`` arm distils on exactly these)."""

    path: Path
    size: int
    seconds: float
    sequence: int
    counts: dict[str, int]
    anchors: tuple[Example, ...] = ()


def _versions() -> dict[str, str]:
    import torch
    import transformers

    return {"m2kt": __version__, "format": "m2kt-packet/1", "torch": torch.__version__,
            "transformers": transformers.__version__, "numpy": np.__version__}


def _sample(items: list[Example], n: int, seed: int) -> list[Example]:
    if len(items) <= n:
        return list(items)
    idx = np.sort(np.random.default_rng(seed).permutation(len(items))[:n])
    return [items[i] for i in idx]


ANCHOR_SELECTIONS = {
    "random": "seeded random sample of transfer_pool (unlabelled)",
    "student-kmeans": "student-chosen: the transfer_pool input nearest each of K k-means "
                      "centres of the student's own vectors of its pool (unlabelled; only the "
                      "K chosen inputs reach the teacher)",
    "kmeans": "teacher-chosen: the transfer_pool input nearest each of K k-means centres of "
              "the teacher's own vectors of the pool (unlabelled; the teacher reads the whole "
              "pool, counted as sent to it)",
    "labels": "the concepts' labels (then a seeded random sample of transfer_pool)",
    "typical": "teacher-chosen by typicality (TypiClust): in each of K k-means clusters of the "
               "teacher's own vectors of the pool, the input whose 20 nearest pool neighbours "
               "are closest on average (unlabelled; the teacher reads the whole pool)",
}
#: anchors a packet carries by default, at most (the default variant reads 64)
DEFAULT_ANCHORS = 64


def default_anchors(task: Task) -> int:
    """The anchors a packet of ``task`` carries by default: :data:`DEFAULT_ANCHORS`, or half
    the student side's pool when that is smaller (a small domain of a user's own)."""
    return min(DEFAULT_ANCHORS, len(task.splits["transfer_pool"]) // 2)


#: the numbered steps of a build (its progress messages say "i/8 …")
BUILD_STEPS = 9
#: selections for which the teacher reads the student's whole pool
POOL_READING = ("kmeans", "typical")


def choose_anchors(task: Task, teacher: Teacher, k: int, how: str, layer: int,
                   seed: int | None = None, progress: Progress = no_progress
                   ) -> tuple[list[Example], int]:
    """``k`` anchor inputs chosen ``how`` (see ANCHOR_SELECTIONS), drawn with ``seed``
    (default: the task's seed); also returns how many pool inputs the teacher processed to
    choose them (teacher-side, counted in the provenance). ``student-kmeans`` is the student
    side's choice (:func:`student_anchors`), made here on the task's default student."""
    pool = list(task.splits["transfer_pool"])
    seed = task.seed if seed is None else seed
    if how == "labels":
        labels = [Example(text=c.label, label=0, key=f"label:{c.id}") for c in task.concepts]
        return labels[:k] + _sample(pool, max(0, k - len(labels)), seed + 11), 0
    if how == "student-kmeans":
        return student_anchors(task, k, seed, progress=progress), 0
    if how in POOL_READING and k < len(pool):
        from sklearn.cluster import KMeans

        progress(f"the teacher reads the student's pool ({len(pool):,} inputs)", 0.0)
        h = teacher.hidden(pool, [layer], progress=within(progress, 0.0, 0.8))[0].astype(
            np.float64)
        progress(f"k-means with {k} centres", 0.8)
        km = KMeans(k, n_init=2, random_state=seed).fit(h)
        picked = (typical_picks(h, km.labels_, k) if how == "typical"
                  else _nearest_to_centres(h, km.cluster_centers_))
        return [pool[i] for i in sorted(picked)], len(pool)
    return _sample(pool, k, seed + 11), 0


def student_anchors(task: Task, k: int, seed: int, student: str | None = None,
                    progress: Progress = no_progress) -> list[Example]:
    """The student side's choice of ``k`` anchors: the pool input nearest each of ``k``
    k-means centres (seeded) of the student's own vectors of its ``transfer_pool`` — nothing
    of the teacher is read, and only the chosen inputs are then sent to it. ``student``: the
    model (default: the task's own student)."""
    from sklearn.cluster import KMeans

    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    pool = list(task.splits["transfer_pool"])
    if k >= len(pool):
        return pool
    if k == 0:
        return []
    progress(f"the student encodes its pool ({len(pool):,} inputs)", 0.0)
    h = cached_encode(load(student or task.student), [e.text for e in pool],
                      progress=within(progress, 0.0, 0.8)).astype(np.float64)
    progress(f"k-means with {k} centres on the student's vectors", 0.8)
    km = KMeans(k, n_init=2, random_state=seed).fit(h)
    return [pool[i] for i in sorted(_nearest_to_centres(h, km.cluster_centers_))]


def _nearest_to_centres(h: np.ndarray, cc: np.ndarray) -> list[int]:
    """The nearest not yet picked row of ``h`` (n, d) to each centre of ``cc`` (k, d)."""
    d2 = (h**2).sum(1)[:, None] - 2 * h @ cc.T + (cc**2).sum(1)[None, :]  # (n, k)
    picked: list[int] = []
    for c in range(len(cc)):
        for i in np.argsort(d2[:, c]):
            if int(i) not in picked:
                picked.append(int(i))
                break
    return picked


def typical_picks(h: np.ndarray, labels: np.ndarray, k: int, n_neighbours: int = 20
                  ) -> list[int]:
    """TypiClust (Hacohen et al., 2022): per cluster of ``labels`` (n,) among ``k``, the row of
    ``h`` (n, d) with the highest typicality — the inverse of its mean Euclidean distance to
    its ``n_neighbours`` nearest other rows of ``h``. Empty clusters pick nothing."""
    from sklearn.neighbors import NearestNeighbors

    m = min(n_neighbours + 1, len(h))
    dist, _ = NearestNeighbors(n_neighbors=m).fit(h).kneighbors(h)
    typicality = 1.0 / np.maximum(dist[:, 1:].mean(1), 1e-12)
    picked = []
    for c in range(k):
        rows = np.flatnonzero(labels == c)
        if len(rows):
            picked.append(int(rows[np.argmax(typicality[rows])]))
    return picked


@dataclass
class TeacherRead:
    """What the teacher read of its own inputs: ``inputs`` (n,) the ones whose vectors are
    kept (all of them in memory; a bounded sample when streamed), their answers ``proba``
    (n, L) and main-layer vectors ``hidden`` (n, d); the member rows and concepts of the
    manifolds (m,); ``stats`` the manifold statistics of *every* input read (``n_read`` of
    them, in ``shards`` shards by ``engine``)."""

    inputs: list[Example]
    proba: np.ndarray
    hidden: np.ndarray
    member_rows: list[int]
    member_concept: np.ndarray
    stats: ManifoldStats
    n_read: int
    engine: str = "in-memory"
    shards: int = 1


def teacher_sample(task: Task, max_inputs: int) -> list[Example]:
    """The ``teacher_train`` inputs an in-memory build reads: a seeded sample of at most
    ``max_inputs``."""
    return _sample(list(task.splits["teacher_train"]), max_inputs, task.seed)


def _read_in_memory(task: Task, teacher: Teacher, main: int, max_inputs: int,
                    progress: Progress) -> TeacherRead:
    """At most ``max_inputs`` of ``teacher_train``, all in memory (the default build)."""
    inputs = teacher_sample(task, max_inputs)
    progress(f"the teacher answers {len(inputs):,} of its own inputs", 0.0)
    proba = teacher.proba(inputs, progress=within(progress, 0.0, 0.8))
    pred = proba.argmax(1)
    if task.name in QUERY_TASKS:
        cidx = {c.id: i for i, c in enumerate(task.concepts)}
        yes = task.labels.index("yes")
        member_rows = [i for i, e in enumerate(inputs) if pred[i] == yes]
        member_concept = np.array([cidx[inputs[i].query] for i in member_rows], dtype=int)
    else:
        member_rows = list(range(len(inputs)))
        member_concept = pred.astype(int)
    progress(f"its hidden states of those {len(inputs):,} inputs", 0.8)
    hidden = teacher.hidden(inputs, [main], progress=within(progress, 0.8, 1.0))[0]
    stats = ManifoldStats(len(task.concepts), hidden.shape[1])
    if member_rows:
        stats.update(hidden[member_rows], member_concept)
    return TeacherRead(inputs, proba, hidden, member_rows, member_concept, stats, len(inputs))


def _read_stream(task: Task, teacher: Teacher, main: int, max_inputs: int,
                 stream: StreamOptions, progress: Progress) -> TeacherRead:
    """Every input of the stream, in shards (:mod:`m2kt.packet.engine`): the manifolds from
    all of them, the rest from a bounded sample of ``max_inputs`` (class tasks)."""
    progress("the teacher reads its inputs in shards", 0.05)
    st = stream_statistics(task, teacher, main, max_inputs, task.seed, stream, progress)
    rows = list(range(len(st.texts)))
    return TeacherRead(st.examples(), st.proba, st.hidden, rows,
                       st.proba.argmax(1).astype(int), st.stats, st.n,
                       engine_name(stream.workers), st.shards)


#: where a packet's trace queries come from, in order of preference (none is a teacher_train
#: text): the anchors cross anyway; public reference strings are public; pool inputs are
#: student-side strings the teacher is then sent (counted)
TRACE_SOURCES = {
    "anchors": "the packet's anchors",
    "public": "the packet's public reference strings (concept labels and public words)",
    "pool": "inputs of the student's transfer_pool, sent to the teacher (counted)",
}


def trace_queries(task: Task, anchors: list[Example], ref_strings: list[str], n: int,
                  seed: int) -> tuple[list[Example], str]:
    """At most ``n`` trace queries and where they come from (:data:`TRACE_SOURCES`): a seeded
    sample of the anchors when there are any; else of the public reference strings (class
    tasks); else of the student's pool."""
    if not n:
        return [], TRACE_SOURCES["anchors"]
    if anchors:
        return _sample(anchors, n, seed + 3), TRACE_SOURCES["anchors"]
    if ref_strings and task.name not in QUERY_TASKS:
        refs = [Example(text=x, label=0, key=f"ref:{x}") for x in ref_strings]
        return _sample(refs, n, seed + 3), TRACE_SOURCES["public"]
    return _sample(list(task.splits["transfer_pool"]), n, seed + 3), TRACE_SOURCES["pool"]


def trace_strings_of(traces: list[dict]) -> list[str]:
    """:func:`m2kt.ledger.trace_strings` of traces still as dicts (before they are packed)."""
    out: list[str] = []
    for t in traces:
        hops = sum(1 for st in t["steps"] if st["stage"].startswith("hop "))
        out += [t["query"], *hop_prefixes(t["query"], hops)]
        out += [st["input"] for st in t["steps"] if st.get("input")]
    return out


def check_streamable(task: Task) -> None:
    """A UsageError unless ``task`` can be built from a stream: a pair task's inputs each need
    a queried concept, which an inputs file does not carry."""
    if task.name in QUERY_TASKS:
        raise UsageError(f"{task.name} asks about (input, concept) pairs: a streamed build "
                         "(--inputs-file, --workers) takes class tasks only")


def check_graph_method(task: Task, method: str) -> None:
    """A UsageError unless ``method`` names a graph extraction that ``task`` can use:
    containment probes ask about (input, concept) pairs; the others need class tasks."""
    if method not in GRAPH_METHODS:
        raise UsageError(f"graph extraction must be one of {', '.join(GRAPH_METHODS)}")
    pair = task.name in QUERY_TASKS
    if (method == "containment" and not pair) or (method in CLASS_GRAPH_METHODS and pair):
        kind = "a pair task" if pair else "a class task"
        raise UsageError(f"{task.name} is {kind}: its graph can be extracted by "
                         + ("containment" if pair else " or ".join(CLASS_GRAPH_METHODS)))


def atlas_ref(atlas: Atlas, teacher: Teacher, main: int, n_layers: int) -> dict:
    """The manifest's reference to ``atlas`` (its digest, size and teacher), after checking
    that it holds this teacher's vectors in the space the packet's readouts read: the same
    model, the same width, the last layer as main layer."""
    if atlas.teacher.name != teacher.name:
        raise UsageError(f"the atlas holds {atlas.teacher.name}'s vectors; this packet's "
                         f"teacher is {teacher.name}")
    from m2kt.atlas.artefact import model_sha256

    if atlas.teacher.weights_sha256 != model_sha256(teacher.lm.path):
        raise UsageError(f"the atlas was built from other weights of {atlas.teacher.name} "
                         f"({atlas.teacher.weights_sha256[:12]}…) than this packet's teacher")
    if atlas.teacher.hidden_size != teacher.lm.info.hidden_size or main != n_layers:
        raise UsageError("the atlas holds last-layer vectors of width "
                         f"{atlas.teacher.hidden_size}; this packet reads layer {main} of "
                         f"{n_layers} (width {teacher.lm.info.hidden_size}): build it with "
                         "--layer -1")
    return {"digest": atlas.digest, "strings": len(atlas.strings), "teacher": atlas.teacher.name}


def build_packet(
    task: Task, key: SigningKey, out: Path, sequence: int | Callable[[], int],
    teacher: Teacher | None = None,
    layer: int = -1, rank: int = 8, anchors: int = 0, max_inputs: int = 20000,
    n_traces: int = 24, creator: str | None = None, parent: str | None = None,
    expires_days: int | None = None, progress: Progress = no_progress,
    anchor_selection: str = "random", anchor_seed: int | None = None,
    relative_words: int | None = None, stream: StreamOptions | None = None,
    graph_method: str = "auto", relative_l2: float | None = None,
    anchor_inputs: list[Example] | None = None,
    atlas: Atlas | None = None, relative_readout: bool = True,
) -> BuildResult:
    """Build, sign and atomically write the packet of ``task`` to ``out``; see module doc.
    ``anchor_seed`` draws the anchors (default: the task's seed; the benchmark re-draws them
    for every seed). ``sequence`` may be a callable, called only when the packet is signed —
    so a builder sharing its key with other processes reserves its number last.
    ``relative_words`` public words (:mod:`m2kt.concepts.words`) join the concept labels as
    the relative readout's reference strings (class tasks; shipped in ``anchors.json``);
    ``None``: :func:`m2kt.concepts.words.default_words` (what the default ingestion variant
    reads). ``relative_l2``: the class tasks' relative
    readout's L2 strength, fixed (default: chosen by agreement with the teacher,
    :func:`m2kt.concepts.relative.fit`).
    ``stream``: read the teacher's inputs (a file's, or ``teacher_train``) in shards, in-process
    or on Ray (:mod:`m2kt.packet.engine`): the manifolds sum every input, the readouts and
    traces read a bounded sample of ``max_inputs`` (class tasks; memory stays flat).
    ``graph_method``: how the abstraction graph is extracted from the teacher
    (:data:`m2kt.graph.methods.GRAPH_METHODS`). ``anchor_inputs``: the anchors the student
    side chose and sent (``anchor_selection`` then only names how it chose them; ``anchors``
    is ignored). ``atlas``: the teacher's atlas (:mod:`m2kt.atlas`) this packet leans on — its
    digest is recorded in the manifest (the teacher and width must be the atlas's).
    ``relative_readout=False``: no relative readout (class tasks), so no reference string
    crosses — with ``anchors=0`` and ``n_traces=0`` a packet whose only task information is
    its concept statistics and readouts (zero task strings)."""
    t0 = time.perf_counter()
    mono = Monotone(progress)

    def step(i: int, what: str, lo: float, hi: float) -> Progress:
        """Step ``i`` of the build's STEPS, announced, its progress within [lo, hi]."""
        mono(f"{i}/{BUILD_STEPS} {what}", lo)
        return within(mono, lo, hi, f"{i}/{BUILD_STEPS} {what}: ")

    teacher = teacher or load_teacher(task, progress=step(1, "loading the teacher", 0.0, 0.02))
    n_layers = teacher.lm.info.layers
    main = normalize_layer(layer, n_layers)
    aref = atlas_ref(atlas, teacher, main, n_layers) if atlas is not None else None
    if anchor_selection not in ANCHOR_SELECTIONS:
        raise UsageError(f"anchor selection must be one of {', '.join(ANCHOR_SELECTIONS)}")
    pool_n = len(task.splits["transfer_pool"])
    if anchors < 0 or anchors > pool_n:
        raise UsageError(f"the number of anchors must be between 0 and {pool_n} (the student "
                         f"side's pool of {task.name} has {pool_n} texts), not {anchors}")
    if stream is not None:
        check_streamable(task)
    check_graph_method(task, graph_method)
    reading = step(2, "the teacher reads its own inputs", 0.02, 0.3)
    read = (_read_stream(task, teacher, main, max_inputs, stream, reading) if stream
            else _read_in_memory(task, teacher, main, max_inputs, reading))
    inputs, proba, hidden_all = read.inputs, read.proba, read.hidden
    man = read.stats.finalize(rank)
    ids = [c.id for c in task.concepts]
    k = len(ids)
    cidx = {c: i for i, c in enumerate(ids)}
    member_rows, member_concept = read.member_rows, read.member_concept
    members = [inputs[i] for i in member_rows]
    live = man.counts > 0
    # the teacher's readout in concept space, fitted to its own answers on its own inputs
    queries = (np.array([cidx[e.query] for e in inputs]) if task.name in QUERY_TASKS
               else None)
    step(3, f"fitting its readout in concept space on {len(inputs):,} answers", 0.3, 0.35)
    head, readout_agreement = concept_readout.fit(hidden_all, proba, man.centroids, queries,
                                                  seed=task.seed)
    relative_tensors: dict[str, np.ndarray] = {}
    relative_agreement = None
    if relative_words is None:
        relative_words = default_words(task)
    words = (public_words(task, relative_words)
             if task.name not in QUERY_TASKS and relative_readout else [])
    ref_strings: list[str] = []  # the relative readout's reference strings (task strings)
    if relative_readout and task.name not in QUERY_TASKS:  # class tasks: relative readout
        strings = concept_relative.reference_strings([c.label for c in task.concepts], words)
        rel = step(4, f"the relative readout over {len(strings):,} reference strings", 0.35,
                   0.5)
        label_vecs = teacher.hidden([Example(text=x, label=0, key=f"ref:{x}") for x in strings],
                                    [main], progress=within(rel, 0.0, 0.3, "encoding: "))[0]
        rel("fitting it (remembered in the workspace for a rebuild)", 0.3)
        rel_head, relative_agreement = concept_relative.fit_cached(
            hidden_all, label_vecs, proba, seed=task.seed, l2=relative_l2)
        relative_tensors = concept_relative.to_tensors(rel_head)
        ref_strings = strings
    elif relative_readout and task.track == "language":  # pair tasks: one per queried concept
        step(4, f"the relative readout per queried concept ({k} concepts)", 0.35, 0.5)
        label_vecs = teacher.hidden([Example(text=c.label, label=0, key=f"ref:{c.label}")
                                     for c in task.concepts], [main])[0]
        rel_head, relative_agreement = concept_relative.fit_pair(hidden_all, label_vecs, proba,
                                                                 queries, seed=task.seed)
        relative_tensors = concept_relative.to_tensors(rel_head)
        ref_strings = [c.label for c in task.concepts]
    # per-layer centroids from a subsample of members (for traces and layer-wise views)
    all_layers = list(range(n_layers + 1))
    sub = np.sort(np.random.default_rng(task.seed + 7).permutation(len(members))[:3000])
    layers_p = step(5, f"concept centroids at each of {len(all_layers)} layers from "
                       f"{len(sub):,} members", 0.5, 0.65)
    sub_hidden = (teacher.hidden([members[i] for i in sub], all_layers, progress=layers_p)
                  if len(sub) else None)
    tensors: dict[str, np.ndarray] = {
        "basis": man.basis, "spreads": man.spreads, "residual_var": man.residual_var,
        "counts": man.counts, **concept_readout.to_tensors(head), **relative_tensors}
    for li, layer_idx in enumerate(all_layers):
        if layer_idx == main:
            tensors[f"centroids.L{layer_idx}"] = man.centroids
            continue
        st = ManifoldStats(k, hidden_all.shape[1])
        if sub_hidden is not None:
            st.update(sub_hidden[li], member_concept[sub])
        tensors[f"centroids.L{layer_idx}"] = st.finalize(0).centroids
    graph_p = step(6, "extracting the abstraction graph from the teacher", 0.65, 0.75)
    probe_count = 0
    if task.name in QUERY_TASKS:
        by_concept: dict[int, list[Example]] = {}
        for ex, c in zip(members, member_concept, strict=True):
            by_concept.setdefault(int(c), []).append(ex)

        def ask(exs: list[Example]) -> np.ndarray:
            graph_p(f"containment probes: the teacher answers {len(exs):,} questions", 0.0)
            return teacher.proba(exs, progress=graph_p)[:, task.labels.index("yes")]

        edges, graph_method, _ = containment_edges(ids, by_concept, ask,
                                                   lambda e, c: requery(task, e, c),
                                                   seed=task.seed)
        probe_count = sum(min(16, len(v)) for v in by_concept.values()) * max(0, k - 1)
    elif graph_method == "centroid-neighbours":
        edges, graph_method = centroid_neighbour_edges(ids, man.centroids, man.counts)
    else:  # auto, readout-confusion
        edges, graph_method, _ = confusion_edges(ids, proba[member_rows], member_concept)
    chosen: list[Example] = list(anchor_inputs or [])  # the student side's, when it chose
    pool_seen = anchor_encoded = 0
    anchor_p = step(7, f"anchors ({anchor_selection})", 0.75, 0.85)
    if anchor_inputs is None and anchors:
        chosen, pool_seen = choose_anchors(task, teacher, anchors, anchor_selection, main,
                                           anchor_seed, progress=within(anchor_p, 0.0, 0.5))
    anchor_texts = [e.text for e in chosen]
    if chosen:
        anchor_p(f"the teacher's vectors of the {len(chosen):,} anchors", 0.5)
        tensors["anchors"] = teacher.hidden(chosen, [main])[0]
        # the teacher encodes every anchor it sends (k-means ones were among the pool it read)
        anchor_encoded = 0 if pool_seen else len(chosen)
    trace_p = step(8, "recording reasoning traces", 0.85, 0.95)
    probes, trace_source = trace_queries(task, chosen, ref_strings, n_traces,
                                         task.seed if anchor_seed is None else anchor_seed)
    probe_pred = teacher.proba(probes).argmax(1) if probes else np.zeros(0, dtype=int)
    answers = [task.labels[p] if task.name in QUERY_TASKS else ids[p] for p in probe_pred]
    probe_hidden = teacher.hidden(probes, all_layers) if probes else None
    traces = layer_traces(probes, {li: probe_hidden[li] for li in all_layers} if probes else {},
                          {li: tensors[f"centroids.L{li}"] for li in all_layers}, live, ids,
                          answers)
    trace_method = ("layer-wise: softmax of 10 × cosine to each layer's concept centroids "
                    f"(centred); queries: {trace_source}")
    if task.name == "multistep":
        trace_p("the teacher's answer after every hop", 0.5)
        add_hop_steps(traces, probes, teacher.proba, ids)
        trace_method += "; hop-wise: the teacher's answer on every prefix of the chain"
        probe_count += sum(len(p.text.split()) // 2 for p in probes)
    elif task.track == "reasoning":
        from m2kt.domains.reasoning import substeps

        trace_p("the teacher's value of every sub-problem", 0.5)
        # a sub-problem can be a problem in its own right: none of the teacher's own
        # training texts crosses as one (the only split the teacher side may read)
        own = {e.text for e in task.splits["teacher_train"]}
        probe_count += add_sub_steps(traces, probes, teacher.proba, ids,
                                     lambda text: [s for s in substeps(task.name, text)
                                                   if s not in own])
        trace_method += ("; step-wise: the teacher's answer on every sub-problem of the query "
                         "(sub-expression, sub-formula or running total) that is not one of "
                         "its own training texts")
    # what the teacher read of the student's side, and which of it the packet answers for
    pool = task.splits["transfer_pool"]
    sent = ({e.text for e in pool} if pool_seen else
            {e.text for e in chosen if not e.key.startswith("label:")})
    if trace_source == TRACE_SOURCES["pool"]:
        sent |= {e.text for e in probes}
    task_set = distinct([anchor_texts, trace_strings_of(traces), ref_strings])
    info = teacher.lm.info
    # the teacher's accuracy on its own held-out split (an aggregate the teacher side
    # measured; the student side compares its own start with it before training)
    heldout = ((teacher.record or {}).get("acc_by_split") or {}).get("dev")
    created = datetime.now(UTC)
    if callable(sequence):
        sequence = sequence()
    manifest = {
        "format": "m2kt-packet/1",
        "labels": list(task.labels),
        "concepts": [{"id": c.id, "label": c.label, "kind": c.kind,
                      "description": c.description, "members": int(man.counts[i])}
                     for i, c in enumerate(task.concepts)],
        "layers": all_layers, "main_layer": main, "d_teacher": int(info.hidden_size),
        "provenance": {
            "teacher": {"name": info.name, "source": info.source,
                        "weights_sha256": teacher.weights_sha256,
                        "architecture": info.architecture, "hidden_size": int(info.hidden_size),
                        "num_layers": int(n_layers), "pooling": info.default_pooling,
                        "template": info.default_template},
            "domain": {"task": task.name, "track": task.track, "seed": task.seed,
                       "params": {k2: (list(v) if isinstance(v, tuple) else v)
                                  for k2, v in task.params.items()},
                       "kind": "pair" if task.name in QUERY_TASKS else "class",
                       "student": task.student, "description": task.description},
            "recipe": {"manifold_rank": int(rank),
                       "membership": ("inputs the teacher answers 'yes' for concept Y"
                                      if task.name in QUERY_TASKS
                                      else "inputs the teacher predicts as the concept"),
                       "graph_method": graph_method, "trace_method": trace_method,
                       "params": {"max_inputs": max_inputs, "n_traces": n_traces,
                                  "layer": main, "anchor_selection": anchor_selection,
                                  "engine": read.engine, "shards": read.shards,
                                  "inputs_read": read.n_read,
                                  "anchor_seed": task.seed if anchor_seed is None
                                  else anchor_seed,
                                  "readout": "softmax head on teacher-space features "
                                             "(pair tasks: [h, μ_q, h⊙μ_q, |h−μ_q|]) fitted "
                                             "to the teacher's own answers",
                                  "readout_agreement": round(readout_agreement, 4),
                                  **({"teacher_heldout_accuracy": round(heldout, 4)}
                                     if heldout is not None else {}),
                                  **({"relative_readout": "softmax head on z-scored cosines "
                                      "to the teacher's own vectors of the concept labels, "
                                      "fitted to the teacher's own answers",
                                      "relative_readout_agreement":
                                          round(relative_agreement, 4),
                                      "relative_readout_l2": float(rel_head.l2),
                                      "relative_readout_l2_fixed": (
                                          relative_l2 is not None
                                          and task.name not in QUERY_TASKS),
                                      "relative_words": len(words)}
                                     if relative_agreement is not None else {})}},
            "counts": {"teacher_inputs": read.n_read + len(probes) + pool_seen
                       + anchor_encoded
                       + (len(task.concepts) + len(words) if relative_tensors else 0),
                       "probe_inputs": probe_count, "anchor_inputs": len(anchor_texts),
                       "to_teacher": len(sent), "to_teacher_overlap": len(sent & task_set),
                       "to_teacher_bytes": text_bytes(sent)},
            "versions": _versions(),
            "creator": creator or getpass.getuser(),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "expires_at": (datetime.fromtimestamp(created.timestamp() + expires_days * 86400,
                                                  UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                           if expires_days else None),
            "sequence": sequence, "parent": parent,
        },
        "tensors": {name: {"dtype": "F32", "shape": list(arr.shape)}
                    for name, arr in tensors.items()},
        **({"atlas": aref} if aref is not None else {}),
    }
    graph = {"method": graph_method, "nodes": ids, "edges": edges}
    data = pack(manifest, tensors, graph, {"method": trace_method, "traces": traces},
                {"selection": ANCHOR_SELECTIONS[anchor_selection],
                 "texts": anchor_texts, **({"words": words} if words else {})}, key)
    write_atomic(out, data)
    counts = manifest["provenance"]["counts"]
    mono(f"{BUILD_STEPS}/{BUILD_STEPS} signed and wrote {out} ({len(data):,} bytes)", 1.0)
    return BuildResult(out, len(data), time.perf_counter() - t0, sequence, dict(counts),
                       tuple(chosen))
