"""bench --workers N runs the benchmark's runs as Ray tasks: the report equals the serial
run's for the same seeds (timings aside), and progress counts runs done / total."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from m2kt.bench.report import strip_timings
from m2kt.bench.run import BenchOptions, first_runs, sweep_sizes
from m2kt.bench.spread import priority, runs_per_task
from tests.conftest import run_cli


def _task(name: str, pool: int):
    """A stand-in task: the name and a pool of ``pool`` inputs (all a plan reads)."""
    from types import SimpleNamespace

    return SimpleNamespace(name=name, track="symbolic", splits={"transfer_pool": [0] * pool})


def test_runs_per_task_counts_every_run() -> None:
    task = _task("taxonomy", 9047)
    quick = BenchOptions(quick=True)  # M2KT, 2 controls, the sweep; 3 at M2KT's budget
    assert runs_per_task(quick, task) == 3 + len(sweep_sizes(9047, True)) + 3
    full = BenchOptions(seeds=3)
    assert runs_per_task(full, task) == 3 * (3 + len(sweep_sizes(9047, False)) + 3) + 1
    no_anchors = BenchOptions(quick=True, anchors=0)  # no KD on M2KT's anchors
    assert runs_per_task(no_anchors, task) == 3 + len(sweep_sizes(9047, True)) + 2


def test_first_runs_list_kd_words_wherever_packets_carry_reference_strings() -> None:
    """Every language class packet carries a relative readout over the concept labels (and its
    variant's public words): KD is given the teacher's answers on the same strings, words or
    not; pair tasks and the symbolic track carry none."""
    from m2kt.domains.registry import get_task

    words = BenchOptions(quick=True, variant="student-anchors-words")
    plain = BenchOptions(quick=True, variant="student-anchors")
    ss = get_task("supersense")
    assert "kd_words" in [r[0] for r in first_runs(words, ss)]
    assert "kd_words" in [r[0] for r in first_runs(plain, ss)]
    assert "kd_words" not in [r[0] for r in first_runs(words, get_task("hypernymy"))]
    assert "kd_words" not in [r[0] for r in first_runs(plain, get_task("multistep"))]


def test_first_batches_are_queued_longest_first() -> None:
    opts = BenchOptions(seeds=2)
    tasks = (("symbolic", 0, 900), ("language", 0, 200), ("language", 2000, 100))
    plan = [(priority(track, words, r), pool, r) for track, words, pool in tasks
            for r in first_runs(opts, _task("taxonomy", pool))]
    order = [(pool, r) for _, pool, r in sorted(plan, key=lambda p: p[0])]
    # M2KT first: the packets with words, then the language track's, then the rest; then the
    # controls (random-head ones first: they build a packet) and the ablations; then the
    # sweep from the largest size down
    assert [p for p, _ in order[:6]] == [100, 100, 200, 200, 900, 900]
    assert all(r[0] == "m2kt" for _, r in order[:6])
    nxt = [r for _, r in order[6:21]]
    assert [r[0] for r in nxt] == ["control"] * 12 + ["ablations"] * 3
    assert [r[1] for r in nxt[:6]] == ["random_head"] * 6
    sizes = [r[1] for _, r in order[21:]]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 900


@pytest.mark.slow  # two benches of one task (minutes); CI runs it (.ci/run)
def test_ray_bench_equals_serial(tmp_path: Path) -> None:
    env = {"OMP_NUM_THREADS": "1", "M2KT_HOME": os.environ.get("M2KT_HOME", "")}
    env = {k: v for k, v in env.items() if v}
    out = {}
    for workers in ("1", "2"):
        path = tmp_path / f"w{workers}.json"
        res = run_cli("bench", "--quick", "--tasks", "taxonomy", "--split", "dev",
                      "--workers", workers, "--json", str(path), env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        out[workers] = (json.loads(path.read_text()), res.stderr)
    serial, ray = out["1"][0], out["2"][0]
    assert strip_timings(serial["tasks"]) == strip_timings(ray["tasks"])
    assert "runs 10 / 10: taxonomy" in out["2"][1]  # M2KT, 2 controls, 4 KD sizes, 3 more
    assert "runs " not in out["1"][1]
