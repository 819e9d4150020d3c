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
    for split in task.splits.values():
        for e in split:
            x, _, y = e.text.split()
            assert bool(e.label) == (y in nx.descendants(g, x))
    # held-out questions are transitive (never a direct parent fact)
    for s in ("transfer_pool", "dev", "test"):
        for e in task.splits[s]:
            x, _, y = e.text.split()
            assert not g.has_edge(x, y)
    assert nx.is_directed_acyclic_graph(task.reference)
    sizes = task.split_sizes()  # the student's own pool is the largest held-out share
    assert sizes["transfer_pool"] > sizes["test"] > sizes["dev"] > 0


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
