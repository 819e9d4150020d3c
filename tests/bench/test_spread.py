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


def test_runs_per_task_counts_every_run() -> None:
    quick = BenchOptions(quick=True)
    assert runs_per_task(quick, 9047) == 4 + len(sweep_sizes(9047, True))
    full = BenchOptions(seeds=3)
    assert runs_per_task(full, 9047) == 3 * (4 + len(sweep_sizes(9047, False))) + 1
    zero = BenchOptions(quick=True, variant="relative")  # no budget, no anchors
    assert runs_per_task(zero, 9047) == 1 + len(sweep_sizes(9047, True))


def test_first_batches_are_queued_longest_first() -> None:
    opts = BenchOptions(seeds=2)
    tasks = (("symbolic", 0, 900), ("language", 0, 200), ("language", 2000, 100))
    plan = [(priority(track, words, r), pool, r) for track, words, pool in tasks
            for r in first_runs(opts, pool)]
    order = [(pool, r) for _, pool, r in sorted(plan, key=lambda p: p[0])]
    # M2KT first: the packets with words, then the language track's, then the rest; then the
    # ablations; then the sweep from the largest size down
    assert [p for p, _ in order[:6]] == [100, 100, 200, 200, 900, 900]
    assert all(r[0] == "m2kt" for _, r in order[:6])
    assert [r[0] for _, r in order[6:9]] == ["ablations"] * 3
    sizes = [r[1] for _, r in order[9:]]
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
    assert "runs 8 / 8: taxonomy" in out["2"][1]
    assert "runs " not in out["1"][1]
