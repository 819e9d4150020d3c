"""Symbolic generators, their ground truth, and the word-level tokenizer."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from m2kt.domains.symbolic.generators import (
    eval_chain,
    modular_task,
    multistep_task,
    taxonomy_task,
    taxonomy_tree,
)
from m2kt.domains.symbolic.tokenizer import build_tokenizer, save_tokenizer, vocabulary


def test_taxonomy_labels_follow_the_hidden_tree() -> None:
    from m2kt.domains.symbolic.generators import TAX_BRANCHING, TAX_DEPTH, TAX_LEAVES

    task = taxonomy_task()
    g = taxonomy_tree(task.seed, TAX_BRANCHING, TAX_DEPTH, TAX_LEAVES)
    keys: set[str] = set()
    for split in task.splits.values():
        for e in split:
            x, _, y = e.text.split()
            assert bool(e.label) == (y in nx.descendants(g, x))
            assert e.query == y and e.key not in keys  # splits disjoint by pair
            keys.add(e.key)
    # held-out questions are about entities (leaves); categories' own pairs are training only
    for s in ("transfer_pool", "dev", "test"):
        assert all(g.in_degree(e.text.split()[0]) == 0 for e in task.splits[s])
    assert nx.is_directed_acyclic_graph(task.reference)
    sizes = task.split_sizes()  # the student's own pool: 9k questions from the same tree
    assert sizes["transfer_pool"] >= 9_000
    assert sizes["transfer_pool"] > sizes["test"] > sizes["dev"] > 0


def test_taxonomy_is_balanced_per_queried_category() -> None:
    """No per-category answer rate can answer the task (the prior arm's rule, BENCHMARK.md):
    over all splits every category is asked "yes" exactly as often as "no", and the rates
    fitted on teacher_train score at chance on dev and test."""
    task = taxonomy_task()
    counts: dict[str, list[int]] = {}
    for split in task.splits.values():
        for e in split:
            counts.setdefault(e.query, [0, 0])[e.label] += 1
    assert len(counts) == len(task.concepts) and all(no == yes for no, yes in counts.values())
    train: dict[str, list[int]] = {}
    for e in task.splits["teacher_train"]:
        train.setdefault(e.query, [0, 0])[e.label] += 1
    for split in ("dev", "test"):
        exs = task.splits[split]
        acc = sum((train[e.query][1] > train[e.query][0]) == bool(e.label) for e in exs)
        assert acc / len(exs) < 0.55


def test_modular_labels() -> None:
    task = modular_task(p=11)
    for split in task.splits.values():
        for e in split:
            a, _, b = e.text.split()
            assert e.label == (int(a) + int(b)) % 11
    assert sum(task.split_sizes().values()) == 121


def test_eval_chain_and_traces() -> None:
    assert eval_chain([True, False, True], ["and", "or"]) == [False, True]
    assert eval_chain([False, True, False], ["or", "and"]) == [True, False]
    task = multistep_task(n=400)
    for e in task.splits["test"]:
        words = e.text.split()
        vals = [w == "T" for w in words[::2]]
        ops = words[1::2]
        assert list(e.trace) == [int(v) for v in eval_chain(vals, ops)]
        assert e.trace[-1] == e.label


def test_word_level_tokenizer_roundtrip(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    words = vocabulary(["e001", "isa", "e002", "T", "and"])
    save_tokenizer(words, tmp_path)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    ids = tok("e001 isa e002")["input_ids"]
    assert tok.convert_ids_to_tokens(ids) == ["[CLS]", "e001", "isa", "e002", "[SEP]"]
    assert tok("zzz")["input_ids"][1] == tok.unk_token_id
    assert len(build_tokenizer(words)) == len(words)
