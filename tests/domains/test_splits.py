"""Every task: disjoint splits (by its key), deterministic for a seed, labels in range."""

from __future__ import annotations

import pytest

from m2kt.domains.base import SPLITS, split_of
from m2kt.domains.registry import TASKS, get_task

SMALL = {"supersense": {"max_examples": 4000}, "gloss": {"max_examples": 4000}}


@pytest.fixture(scope="module", params=TASKS)
def task_pair(request):
    name = request.param
    kw = SMALL.get(name, {})
    return get_task(name, seed=0, **kw), get_task(name, seed=0, **kw), get_task(name, seed=1, **kw)


def test_splits_disjoint_by_key(task_pair) -> None:
    task, _, _ = task_pair
    keys = {s: {e.key for e in task.splits[s]} for s in SPLITS}
    texts = {s: {e.text for e in task.splits[s]} for s in SPLITS}
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1:]:
            assert not keys[a] & keys[b], f"{task.name}: {a} and {b} share keys"
            if task.name in ("supersense", "hypernymy", "gloss", "modular", "multistep"):
                assert not texts[a] & texts[b], f"{task.name}: {a} and {b} share inputs"
    assert all(task.splits[s] for s in SPLITS)


def test_deterministic_for_a_seed(task_pair) -> None:
    a, b, other = task_pair
    assert a.splits == b.splits
    assert a.concepts == b.concepts
    assert a.splits != other.splits  # a different seed reshuffles


def test_labels_and_queries_valid(task_pair) -> None:
    task, _, _ = task_pair
    ids = {c.id for c in task.concepts}
    assert len(ids) == len(task.concepts)
    for s in SPLITS:
        for e in task.splits[s]:
            assert 0 <= e.label < len(task.labels)
            assert e.query is None or e.query in ids


def test_split_of_is_stable_and_proportional() -> None:
    assert split_of("dog", 0) == split_of("dog", 0)
    counts = {s: 0 for s in SPLITS}
    for i in range(20000):
        counts[split_of(f"k{i}", 3)] += 1
    assert abs(counts["teacher_train"] / 20000 - 0.45) < 0.02
    assert abs(counts["dev"] / 20000 - 0.10) < 0.02
    assert abs(counts["test"] / 20000 - 0.15) < 0.02


def test_dev_and_test_are_disjoint_held_out_splits() -> None:
    from m2kt.domains.base import EVAL_SPLITS

    assert EVAL_SPLITS == ("dev", "test") and set(EVAL_SPLITS) < set(SPLITS)
    for name in TASKS:
        t = get_task(name, **SMALL.get(name, {}))
        dev = {(e.key, e.text, e.query) for e in t.splits["dev"]}
        test = {(e.key, e.text, e.query) for e in t.splits["test"]}
        assert dev and test and not dev & test
        assert not {k for k, _, _ in dev} & {k for k, _, _ in test}


def test_domains_cli_json_lists_every_task() -> None:
    import json

    from tests.conftest import run_cli

    res = run_cli("domains", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)["tasks"]}
    assert set(rows) == set(TASKS)
    for r in rows.values():
        assert set(r["splits"]) == set(SPLITS) and all(v > 0 for v in r["splits"].values())
        assert r["concepts"] > 0 and r["track"] in ("language", "symbolic", "reasoning")
        assert r["teacher_acc"] is not None and r["teacher_acc"] > r["student_before_acc"]
