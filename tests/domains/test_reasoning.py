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


def _value(text: str) -> bool:
    """A boolexpr / propeval problem's value recomputed by Python (generated text only)."""
    given, _, body = text.rpartition(". ")
    env = {k: v == "True" for k, v in re.findall(r"(\w) is (True|False)", given)}
    return bool(eval(body, {"__builtins__": {}}, env))  # noqa: S307 — generated


@pytest.mark.parametrize("name", ["boolexpr", "propeval"])
def test_substeps_are_the_trace_subexpressions_in_order(name: str) -> None:
    from m2kt.domains.reasoning import substeps

    for p in generate(name, 300):
        subs = substeps(name, p.text)
        assert len(subs) == len(p.trace)
        # every step is a sub-problem whose own value is the trace's value at that step
        assert [int(_value(s)) for s in subs] == list(p.trace)
        assert int(_value(p.text)) == p.label


def test_propeval_states_the_whole_assignment() -> None:
    for p in generate("propeval", 200):
        given = p.text.split(". ", 1)[0]
        assert re.fullmatch(r"p is (True|False), q is (True|False), r is (True|False), "
                            r"s is (True|False)", given)


def test_sign_is_balanced_and_its_steps_are_running_totals() -> None:
    from m2kt.domains.reasoning import substeps

    ps = generate("sign", 600)
    labels = [p.label for p in ps]
    assert abs(sum(labels) - len(labels) / 2) <= len(labels) * 0.02  # no class prior answers it
    for p in ps:
        total = eval(p.text, {"__builtins__": {}}, {})  # noqa: S307 — generated
        assert total != 0 and p.label == int(total > 0)
        subs = substeps("sign", p.text)
        assert [int(eval(s, {"__builtins__": {}}, {}) > 0) for s in subs] == list(p.trace)  # noqa: S307


@pytest.mark.parametrize("name", ["boolexpr", "propeval", "sign"])
def test_registered_task_has_disjoint_splits_one_concept_per_answer(name: str) -> None:
    from m2kt.domains.registry import get_task

    t = get_task(name)
    assert t.track == "reasoning" and t.teacher == "smollm2-135m" and t.student == "minilm-l3"
    assert [c.label for c in t.concepts] == list(t.labels) == list(t.step_labels)
    texts = [{e.text for e in t.splits[s]} for s in SPLITS]
    assert all(len(texts[i] & texts[j]) == 0 for i in range(4) for j in range(i + 1, 4))
    assert min(t.split_sizes().values()) > 300
