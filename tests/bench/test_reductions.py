"""Reductions and parity come from the ledgers and the sweep in the same result."""

from __future__ import annotations

import numpy as np

from m2kt.bench.kd import frozen_head, soften
from m2kt.bench.report import markdown_table, render_markdown, summary_rows
from m2kt.bench.run import reductions


def _entry(m2kt_acc: float, crossing: int, sweep: list[tuple[int, float]]) -> dict:
    full_n = sweep[-1][0]
    led = lambda n: {"student_inputs": n, "crossing_inputs": n, "teacher_inputs": n}  # noqa: E731
    return {"track": "symbolic", "teacher": {"name": "t", "acc": 0.9},
            "student_before": {"name": "s", "acc": 0.5},
            "methods": {"m2kt": {"acc": m2kt_acc, "acc_std": 0.0, "seconds": 1.0,
                                 "ledger": {"student_inputs": 500, "crossing_inputs": crossing,
                                            "teacher_inputs": 1000}, "packet_bytes": 10},
                        "kd_budget": {"acc": 0.6, "acc_std": 0.0, "ledger": led(crossing)},
                        "labels_budget": {"acc": 0.7, "acc_std": 0.0, "ledger": led(crossing)},
                        "kd_full": {"acc": sweep[-1][1], "acc_std": 0.0, "inputs": full_n,
                                    "ledger": led(full_n)},
                        "kd_sweep": [{"inputs": n, "acc": a, "seconds": 0.1}
                                     for n, a in sweep]}}


def test_parity_is_the_smallest_sweep_size_reaching_m2kt() -> None:
    e = _entry(0.75, 64, [(16, 0.6), (64, 0.7), (256, 0.76), (1024, 0.74), (4000, 0.9)])
    r = reductions(e)
    assert r["kd_parity_inputs"] == 256
    assert r["data_reduction_at_parity"] == 1 - 64 / 256
    assert r["data_reduction_vs_kd_full"] == 1 - 64 / 4000


def test_no_parity_when_kd_never_reaches_m2kt() -> None:
    r = reductions(_entry(0.95, 64, [(16, 0.6), (4000, 0.9)]))
    assert r["kd_parity_inputs"] is None and r["data_reduction_at_parity"] is None


def test_report_table_reads_the_json() -> None:
    e = _entry(0.75, 64, [(16, 0.6), (256, 0.76), (4000, 0.9)])
    e.update(reductions(e))
    e["retention"] = 0.75 / 0.9
    result = {"meta": {"quick": True, "seeds": [0], "device": "cpu", "started": "now",
                       "seconds": 1.0}, "tasks": {"toy": e}}
    rows = summary_rows(result)
    assert rows[0]["KD parity inputs"] == "256" and rows[0]["reduction at parity"] == "75 %"
    assert "| toy |" in markdown_table(rows)
    assert "falls short" in render_markdown(result)


def test_frozen_head_kd_learns_a_linear_teacher() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 3))
    x = rng.normal(size=(400, 8))
    proba = soften(np.exp(x @ w) / np.exp(x @ w).sum(1, keepdims=True), 1.0)
    xt = rng.normal(size=(200, 8))
    res = frozen_head(x, proba, xt, (xt @ w).argmax(1), seed=0)
    assert res.acc > 0.9 and res.temperature in (1.0, 3.0)
    few = frozen_head(x[:8], proba[:8], xt, (xt @ w).argmax(1), seed=0)
    assert few.acc < res.acc


def test_soften_keeps_argmax_and_flattens() -> None:
    p = np.array([[0.7, 0.2, 0.1]])
    s = soften(p, 3.0)
    assert s.argmax() == 0 and s.max() < 0.7 and np.isclose(s.sum(), 1.0)


def test_kd_at_the_same_budget_counts_for_parity() -> None:
    e = _entry(0.75, 64, [(16, 0.6), (256, 0.76), (4000, 0.9)])
    e["methods"]["kd_budget"].update({"acc": 0.8, "inputs": 64})
    r = reductions(e)
    assert r["kd_parity_inputs"] == 64 and r["data_reduction_at_parity"] == 0.0


def test_no_parity_when_m2kt_does_not_beat_the_start() -> None:
    r = reductions(_entry(0.45, 64, [(16, 0.46), (4000, 0.9)]))
    assert r["kd_parity_inputs"] is None and r["data_reduction_at_parity"] is None


def test_bench_options_command_records_every_non_default_option() -> None:
    from m2kt.bench.run import BenchOptions
    from m2kt.ingest.variants import DEFAULT_VARIANT

    assert BenchOptions().command() == "python -m m2kt bench"
    assert BenchOptions(quick=True, tasks=("taxonomy",)).command() == \
        "python -m m2kt bench --quick --tasks taxonomy"
    cross = BenchOptions(track="language", teacher="smollm2-135m", ablations=False,
                         variant="zero")
    assert cross.command() == ("python -m m2kt bench --track language --variant zero "
                               "--teacher smollm2-135m --no-ablations")
    assert BenchOptions().variant == DEFAULT_VARIANT


def test_another_teacher_applies_to_the_language_tasks_only() -> None:
    from m2kt.bench.run import TRACKS, BenchOptions

    assert BenchOptions(teacher="smollm2-135m").task_names() == TRACKS["language"]
    assert BenchOptions().task_names() == (*TRACKS["language"], *TRACKS["symbolic"])


def test_readme_block_stacks_one_table_per_report(tmp_path) -> None:
    import json

    from m2kt.bench.report import readme_block

    e = _entry(0.75, 64, [(16, 0.6), (256, 0.76), (4000, 0.9)])
    e.update(reductions(e))
    e["retention"] = 0.75 / 0.9
    paths = []
    for name, cmd in (("a", "python -m m2kt bench"),
                      ("b", "python -m m2kt bench --teacher smollm2-135m")):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps({"meta": {"seeds": [0, 1, 2], "device": "cpu", "started": "t",
                                          "seconds": 120.0, "command": cmd},
                                 "tasks": {"toy": e}}))
        paths.append(p)
    block = readme_block(*paths)
    assert block.startswith(f"Generated by `python -m m2kt bench-table {paths[0].as_posix()} "
                            f"{paths[1].as_posix()}`")
    assert "made by `python -m m2kt bench --teacher smollm2-135m`" in block
    assert block.count("| toy | t → s |") == 2


def test_research_log_tables_only_keeps_the_prose(tmp_path) -> None:
    import json

    from m2kt.bench.research import research_log

    e = _entry(0.75, 64, [(16, 0.6), (256, 0.76), (4000, 0.9)])
    e["retention"] = 0.75 / 0.9
    full = tmp_path / "full.json"
    full.write_text(json.dumps({"meta": {"seeds": [0, 1, 2], "command": "python -m m2kt bench",
                                         "started": "2026-01-01T00:00:00Z",
                                         "variant": "teacher-anchors"},
                                "tasks": {"toy": e}}))
    log = tmp_path / "log.md"
    log.write_text("# Log\n\nA paragraph that stays.\n")
    research_log([], log, tmp_path / "results", full_reports=[full, tmp_path / "missing.json"])
    text = log.read_text()
    assert "A paragraph that stays." in text
    assert "| `teacher-anchors` | toy | 0.750 ± 0.000 | 83 % | 64 |" in text
    assert "<!-- full-reports:start -->" in text and "variant `teacher-anchors`" in text


def test_beating_the_start_must_be_beyond_chance() -> None:
    from m2kt.bench.run import beats_start

    e = _entry(0.024, 88, [(16, 0.025), (627, 0.08)])
    e["student_before"] = {"name": "s", "acc": 0.017, "chance": 1 / 47}
    e["split_sizes"] = {"test": 460}
    b = beats_start(e)  # 11 of 460 right against a 1/47 bar: noise
    assert b["beats"] is False and b["bar"] == 1 / 47 and 0.05 < b["p"] < 1
    assert reductions(e)["kd_parity_inputs"] is None
    e["methods"]["m2kt"]["acc"] = 0.06  # 28 of 460: far above the bar
    assert beats_start(e)["beats"] is True
    assert reductions(e)["kd_parity_inputs"] == 627
    del e["split_sizes"]  # no test size: a plain comparison
    assert beats_start(e) == {"beats": True, "p": None, "bar": 1 / 47}
