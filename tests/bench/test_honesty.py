"""Labels cannot reach ingestion, and choices never read ``test`` (BENCHMARK.md v2).

- With the same packet, shuffling every gold label of ``transfer_pool``, ``dev`` and ``test``
  leaves the ingested student's weights bit-identical.
- With the ``test`` split sealed (reading any of its examples raises), building a packet,
  ingesting with the dev gate, and a whole ``bench --split dev`` task all run to the end.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from m2kt.domains.base import Example, Task


class Sealed:
    """A split whose size may be asked but whose examples may not be read (not a tuple:
    ``list()`` of a tuple subclass would copy it without calling ``__iter__``)."""

    def __init__(self, items) -> None:
        self._n = len(items)

    def __len__(self) -> int:
        return self._n

    def __iter__(self):
        raise AssertionError("the test split was read")

    def __getitem__(self, i):
        raise AssertionError("the test split was read")


def sealed(task: Task) -> Task:
    splits = dict(task.splits)
    splits["test"] = Sealed(splits["test"])
    return dataclasses.replace(task, splits=splits)


def shuffled(task: Task, seed: int = 0) -> Task:
    """Every gold label of transfer_pool, dev and test replaced by a random one."""
    rng = random.Random(seed)
    splits = dict(task.splits)
    for s in ("transfer_pool", "dev", "test"):
        splits[s] = tuple(Example(e.text, rng.randrange(len(task.labels)), e.key, e.query,
                                  e.trace) for e in splits[s])
    return dataclasses.replace(task, splits=splits)


def _patch(monkeypatch: pytest.MonkeyPatch, make) -> None:
    import m2kt.domains.registry as registry

    real = registry.get_task

    def get(name: str, seed: int = 0, **kw):
        return make(real(name, seed=seed, **kw))

    # every caller (ingestion's prepare, the bench) imports get_task from the registry when
    # it runs, so patching the registry reaches them all
    monkeypatch.setattr(registry, "get_task", get)


@pytest.fixture(scope="module", params=["multistep", "taxonomy"])
def built(request, tmp_path_factory: pytest.TempPathFactory):
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    task = get_task(request.param)
    return build_and_approve(task, load_teacher(task), 32, tmp_path_factory.mktemp("pk"),
                             anchor_selection="kmeans", seed=1)


def _weights(d: Path) -> dict[str, bytes]:
    return {f: (d / f).read_bytes() for f in ("cal.safetensors", "readout.safetensors")}


def test_shuffled_gold_labels_leave_the_student_bit_identical(
        built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from m2kt.ingest.trainer import ingest

    a = ingest(built.packet, tmp_path / "a", seed=2, steps=40)
    _patch(monkeypatch, shuffled)
    b = ingest(built.packet, tmp_path / "b", seed=2, steps=40)
    assert _weights(tmp_path / "a") == _weights(tmp_path / "b")
    assert a.ledger == b.ledger
    assert a.accuracy != b.accuracy or a.accuracy is None  # only the score saw the labels


def test_packet_and_ingestion_never_read_test(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import m2kt.domains.registry as registry
    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.concepts.teacher import load_teacher

    _patch(monkeypatch, sealed)
    task = registry.get_task("taxonomy")
    with pytest.raises(AssertionError, match="test split was read"):
        list(task.splits["test"])
    b = build_and_approve(task, load_teacher(task), 32, tmp_path, anchor_selection="kmeans")
    r = ingest_approved(b, 0, steps=20, eval_split="dev")
    assert r.extra["eval_split"] == "dev" and r.accuracy is not None
    assert any(g.name.startswith("held-out accuracy") and g.status != "n/a" for g in r.gates)


@pytest.mark.slow  # a whole (shortened) bench, ~2 minutes; CI runs it (.ci/run)
def test_a_dev_bench_never_reads_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every arm of a (shortened) ``bench --split dev`` on a symbolic pair task, the test
    split sealed; the entry keeps the contract."""
    import m2kt.bench.arms as arms
    import m2kt.bench.run as run
    from tests.bench.test_bench_contract import check_contract

    _patch(monkeypatch, sealed)
    monkeypatch.setattr(run, "QUICK_SWEEP", (8,))
    monkeypatch.setattr(arms, "QUICK_BUDGET", (40, 80))
    opts = run.BenchOptions(quick=True, split="dev", tasks=("taxonomy",), anchors=32)
    result = run.run_bench(opts)
    check_contract(result, ["taxonomy"], split="dev")
