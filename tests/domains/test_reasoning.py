"""Reasoning-track problems: deterministic, answers that recompute, splits disjoint by text."""

from __future__ import annotations

import re

import pytest

from m2kt.domains.base import SPLITS
from m2kt.domains.reasoning import RTASKS, SPECS, generate, split_problems


@pytest.mark.parametrize("name", RTASKS)
def test_problems_are_deterministic_unique_and_labelled(name: str) -> None:
    a, b = generate(name, 300, seed=3), generate(name, 300, seed=3)
    assert a == b and len(a) > 200
    assert len({p.text for p in a}) == len(a)
    k = len(SPECS[name][0])
    assert all(0 <= p.label < k for p in a)
    assert len({p.label for p in a}) == k  # every answer occurs
    assert generate(name, 300, seed=4) != a


def test_chainsum_answers_and_traces_recompute() -> None:
    for p in generate("chainsum", 400):
        expr = p.text.rsplit(":", 1)[1].replace("- ", "-").replace("+ ", "+")
        terms = [int(s + d) for s, d in re.findall(r"([+-]?)\s*(\d+)", expr)]
        sums = [sum(terms[:i + 1]) % 10 for i in range(1, len(terms))]
        assert p.label == sum(terms) % 10
        assert list(p.trace) == sums and p.trace[-1] == p.label


def test_boolexpr_answers_recompute_and_trace_every_subexpression() -> None:
    for p in generate("boolexpr", 400):
        assert re.fullmatch(r"[()\sA-Za-z]+", p.text)
        assert int(eval(p.text, {"__builtins__": {}}, {})) == p.label  # noqa: S307 — generated
        ops = len(re.findall(r"\b(?:and|or|not)\b", p.text))
        assert len(p.trace) == ops - 1  # every operator's value but the last (the answer)


def test_knights_label_is_who_tells_the_truth() -> None:
    ps = generate("knights", 200)
    assert all("So who is" not in p.text for p in ps)  # the answer format is not in the input
    assert all(re.search(r"inhabited only by \w+ and \w+\.", p.text) for p in ps)


def test_splits_are_disjoint_by_text() -> None:
    sp = split_problems(generate("syllogism", 2000), seed=0)
    texts = [{e.text for e in sp[s]} for s in SPLITS]
    assert all(len(texts[i] & texts[j]) == 0 for i in range(4) for j in range(i + 1, 4))
    assert sum(len(t) for t in texts) == sum(len(sp[s]) for s in SPLITS)
    assert all(len(sp[s]) > 100 for s in SPLITS)
