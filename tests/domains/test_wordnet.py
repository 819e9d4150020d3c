"""WordNet extraction, the two language tasks, and the reference hierarchies."""

from __future__ import annotations

import time

import networkx as nx

from m2kt.domains.wordnet import (
    SUPERSENSES,
    hypernym_graph,
    hypernymy_task,
    render,
    supersense_task,
    tables,
)


def test_tables_cover_wordnet_nouns_quickly() -> None:
    t0 = time.perf_counter()
    t = tables()
    assert len(t.synsets) == 82115
    assert t.synsets["dog.n.01"][0] == "noun.animal"
    assert t.first_sense["dog"] == "dog.n.01"
    assert time.perf_counter() - t0 < 60


def test_supersense_task_shape() -> None:
    task = supersense_task()
    assert task.labels == tuple(SUPERSENSES) and len(task.labels) == 26
    assert sum(task.split_sizes().values()) > 40000
    ex = {e.key: e for s in task.splits.values() for e in s}
    assert task.labels[ex["dog"].label] == "noun.animal"
    assert all(" " not in e.text for e in ex.values())  # single words by design
    assert task.reference.number_of_edges() > 10


def test_gloss_task_disjoint_by_synset_and_head_lemma() -> None:
    from m2kt.domains.wordnet import gloss_task

    task = gloss_task(max_examples=3000)
    assert task.labels == tuple(SUPERSENSES)
    heads = {s: {e.key for e in task.splits[s]} for s in task.splits}
    texts = [e.text for s in task.splits.values() for e in s]
    assert len(texts) == len(set(texts)) and len(texts) > 2500
    names = list(task.splits)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not heads[a] & heads[b]
    e = next(e for e in task.splits["teacher_train"] if len(e.text.split()) > 3)
    assert " " in e.text  # a definition sentence, not a word


def test_render_handles_multiword_lemmas() -> None:
    assert render("ice_cream") == "ice cream"
    assert render("dog") == "dog"


def test_hypernymy_balanced_transitive_hard_negatives() -> None:
    task = hypernymy_task()
    t = tables()
    g = hypernym_graph(t)
    cats = {c.id for c in task.concepts}
    for split in task.splits.values():
        labels = [e.label for e in split]
        assert sum(labels) * 2 == len(labels)
        per_query: dict[str, list[int]] = {}
        for e in split:  # the queried category alone answers nothing, in every split
            per_query.setdefault(e.query, []).append(e.label)
        assert all(sum(v) * 2 == len(v) for v in per_query.values())
    hard = total = 0
    for e in task.splits["transfer_pool"]:
        if e.label == 0:  # a hard negative is below a sibling category of the query
            total += 1
            parents = set(task.reference.successors(e.query))
            sibs = {c for c in cats if set(task.reference.successors(c)) & parents} - {e.query}
            hard += bool(nx.descendants(g, t.first_sense[e.key]) & sibs)
    # every category takes all the hard negatives it has; categories whose siblings cover few
    # entities fall back to random ones, so about two fifths of all negatives are hard
    assert hard > 0.4 * total
    multi_hop = 0
    for e in task.splits["test"]:
        syn = t.first_sense[e.key]
        is_anc = e.query in nx.descendants(g, syn)
        assert is_anc == bool(e.label), e
        if e.label and e.query not in t.synsets[syn][2]:
            multi_hop += 1
    assert multi_hop > 0.5 * sum(e.label for e in task.splits["test"])  # mostly transitive
    ref = task.reference
    assert set(ref.nodes) == cats and nx.is_directed_acyclic_graph(ref)
    assert ref.has_edge("dog.n.01", "canine.n.02")


def test_first_extraction_reports_each_part_and_matches_the_cache() -> None:
    """The first read of WordNet in a workspace (≈ 10 s) says what it is doing, part by part,
    and yields exactly the tables the workspace cache holds."""
    from m2kt.domains.wordnet import _extract
    from m2kt.models.spec import Recorder

    rec = Recorder()
    data = _extract(rec)
    messages = [m for _, m, _ in rec.updates]
    assert len(messages) >= 5 and all(m.startswith("WordNet") for m in messages)
    assert any("82,115 noun synsets" in m for m in messages)
    assert any("first sense" in m for m in messages)
    t = tables()
    assert len(data["synsets"]) == len(t.synsets) and data["first_sense"] == t.first_sense
    assert data["counts"] == t.counts
