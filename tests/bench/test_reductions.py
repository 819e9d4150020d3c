"""Parity, reductions, validity and seed statistics come from the measurements in the same
result (BENCHMARK v3): interpolated against the upper envelope of every KD arm against its
own crossing count (the ``prior`` arm at zero), with a bootstrap CI, and the same in bytes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from m2kt.bench.figures import beats_start, derived, validity
from m2kt.bench.kd import frozen_head, soften
from m2kt.bench.parity import (
    bootstrap_reduction,
    envelope,
    parity_inputs,
    reduction,
    seed_stats,
)
from m2kt.bench.report import markdown_table, render_markdown, summary_rows


def _led(n: int) -> dict:
    return {"to_teacher": n, "task_strings": n, "atlas_strings": 0, "crossing_inputs": n,
            "bytes": 100 * n, "student_inputs": n, "teacher_inputs": n}


def _entry(m2kt_acc: float, crossing: int, sweep: list[tuple[int, float]],
           ssl: list[tuple[int, float]] | None = None, start: float = 0.5,
           teacher: float = 0.9, prior: float = 0.5) -> dict:
    full_n, full_acc = sweep[-1]
    pts = lambda s: [{"inputs": n, "acc": a, "seconds": 0.1, "ledger": _led(n)}  # noqa: E731
                     for n, a in s]
    return {"track": "symbolic", "split": "test", "teacher": {"name": "t", "acc": teacher},
            "student_before": {"name": "s", "acc": start, "chance": 0.5},
            "methods": {"m2kt": {"acc": m2kt_acc, "acc_std": 0.0, "seconds": 1.0,
                                 "ledger": {**_led(crossing), "bytes": 1000},
                                 "packet_bytes": 1000},
                        "prior": {"acc": prior, "ledger": _led(0)},
                        "kd": {"acc": 0.6, "acc_std": 0.0, "inputs": crossing,
                               "ledger": _led(crossing)},
                        "kd_ssl": {"acc": 0.6, "acc_std": 0.0, "inputs": crossing,
                                   "ledger": _led(crossing)},
                        "labels_budget": {"acc": 0.7, "acc_std": 0.0, "ledger": _led(crossing)},
                        "kd_full": {"acc": full_acc, "acc_std": 0.0, "inputs": full_n,
                                    "ledger": _led(full_n)},
                        "kd_sweep": pts(sweep), "kd_ssl_sweep": pts(ssl or [])}}


def test_parity_is_log_linear_between_the_bracketing_points() -> None:
    # a hand-made curve: 0.70 at 64, 0.76 at 256; M2KT at 0.73 sits halfway in log N → 128
    e = _entry(0.73, 32, [(16, 0.6), (64, 0.7), (256, 0.76), (1024, 0.74), (4000, 0.9)])
    r = derived(e)
    assert math.isclose(r["kd_parity_inputs"], 128.0, rel_tol=1e-9)
    assert math.isclose(r["data_reduction_at_parity"], 1 - 32 / 128)
    assert r["data_reduction_vs_kd_full"] == 1 - 32 / 4000
    assert r["parity_status"] == "interpolated"


def test_parity_uses_the_upper_envelope_of_every_kd_arm() -> None:
    # KD + pool is stronger at 16 and 64: the envelope takes it, and parity moves left; the
    # arms at M2KT's budget (32, 0.6) fall below the envelope's (16, 0.62) and are dropped
    e = _entry(0.73, 32, [(16, 0.6), (64, 0.7), (256, 0.76), (4000, 0.9)],
               ssl=[(16, 0.62), (64, 0.74), (256, 0.77), (4000, 0.9)])
    r = derived(e)
    env = {p["inputs"]: p["arm"] for p in r["envelope"]}
    assert env[0] == "prior" and env[16] == env[64] == "kd_ssl" and 32 not in env
    expect = math.exp(math.log(16) + (0.73 - 0.62) / (0.74 - 0.62) * (math.log(64) - math.log(16)))
    assert math.isclose(r["kd_parity_inputs"], expect)


def test_parity_counts_each_arm_at_its_own_crossing_and_in_bytes() -> None:
    """KD on public strings sits at its strings' count, not its pool inputs'; parity in bytes
    reads each point's bytes."""
    e = _entry(0.73, 32, [(16, 0.6), (64, 0.7), (256, 0.76), (4000, 0.9)])
    e["methods"]["kd_words_sweep"] = [{"inputs": 0, "acc": 0.95, "ledger": _led(5000)},
                                      {"inputs": 8, "acc": 0.7, "ledger": _led(5008)}]
    r = derived(e)
    assert [(p["inputs"], p["arm"]) for p in r["envelope"]][-2:] == [(4000, "kd"),
                                                                      (5000, "kd_words")]
    assert math.isclose(r["kd_parity_inputs"], 128.0)  # the strings arm is to the right
    b = r["bytes_at_parity"]
    assert b["m2kt"] == 1000 and math.isclose(b["kd"], 100 * 128.0)
    assert math.isclose(b["ratio"], 1000 / 12800)


def test_parity_below_the_first_point_is_linear_from_the_start() -> None:
    assert math.isclose(parity_inputs([(8, 0.7), (16, 0.8)], 0.6, start=0.5), 4.0)
    assert parity_inputs([(8, 0.7)], 0.45, start=0.5) == 0.0


def test_no_parity_when_kd_never_reaches_m2kt() -> None:
    r = derived(_entry(0.95, 64, [(16, 0.6), (4000, 0.9)]))
    assert r["kd_parity_inputs"] is None and r["data_reduction_at_parity"] is None
    assert "above every KD point" in r["parity_status"]


def test_no_parity_when_m2kt_does_not_beat_the_start() -> None:
    e = _entry(0.45, 64, [(16, 0.46), (4000, 0.9)])
    e["split_sizes"] = {"test": 400}
    r = derived(e)
    assert r["kd_parity_inputs"] is None and r["data_reduction_at_parity"] is None
    assert r["parity_status"].startswith("no transfer")


def test_envelope_keeps_points_above_every_cheaper_point() -> None:
    env = envelope({"kd": [(8, 0.5), (16, 0.6)], "kd_ssl": [(8, 0.55)], "kd_anchor": [(12, .7)]})
    assert env == [{"inputs": 8, "acc": 0.55, "arm": "kd_ssl"},
                   {"inputs": 12, "acc": 0.7, "arm": "kd_anchor"}]  # (16, 0.6) is dominated


def test_seed_stats_use_ddof_1_and_a_t_interval() -> None:
    s = seed_stats([0.5, 0.6, 0.7])
    assert math.isclose(s["acc"], 0.6) and math.isclose(s["acc_std"], 0.1)
    half = 4.302652729911275 * 0.1 / math.sqrt(3)  # t(0.975, 2)
    assert np.allclose(s["acc_ci"], [0.6 - half, 0.6 + half])
    assert s["accs"] == [0.5, 0.6, 0.7]
    one = seed_stats([0.4])
    assert one["acc_std"] == 0.0 and one["acc_ci"] is None


def test_bootstrap_interval_brackets_the_point_reduction() -> None:
    rng = np.random.default_rng(0)
    n, seeds = 2000, 3

    def correct(p: float) -> np.ndarray:
        return rng.random((seeds, n)) < p

    kd = {("kd", 16): correct(0.60), ("kd", 64): correct(0.70), ("kd", 256): correct(0.80)}
    m2kt = correct(0.75)
    acc = {k: v.mean() for k, v in kd.items()}
    n_star = parity_inputs([(k[1], a) for k, a in acc.items()], m2kt.mean(), 0.5)
    point = reduction(10, n_star)
    lo, hi = bootstrap_reduction(m2kt, kd, 10, 0.5, reps=300)
    assert lo <= point <= hi and hi - lo < 0.2


def test_validity_rules() -> None:
    ok = validity(_entry(0.7, 64, [(16, 0.6), (4000, 0.85)], start=0.5, teacher=0.9,
                         prior=0.55))
    assert ok["valid"] is True and math.isclose(ok["kd_full_share"], 0.875)
    prior_too_good = validity(_entry(0.7, 64, [(4000, 0.85)], prior=0.65))
    assert prior_too_good["valid"] is False and prior_too_good["prior_share"] > 0.25
    kd_cannot_move = validity(_entry(0.7, 64, [(4000, 0.6)]))
    assert kd_cannot_move["valid"] is False and kd_cannot_move["kd_full_share"] < 0.75
    weak_teacher = validity(_entry(0.55, 64, [(4000, 0.58)], teacher=0.58))
    assert weak_teacher["valid"] is False


def test_report_table_reads_the_json() -> None:
    e = _entry(0.73, 32, [(16, 0.6), (64, 0.7), (256, 0.76), (4000, 0.9)])
    e.update(derived(e))
    result = {"meta": {"quick": True, "seeds": [0], "device": "cpu", "started": "now",
                       "seconds": 1.0}, "tasks": {"toy": e}}
    rows = summary_rows(result)
    assert rows[0]["KD parity strings"] == "128 (kd)"
    assert rows[0]["reduction at parity [95 % CI]"] == "75 %"
    assert rows[0]["valid"].startswith("yes")
    assert rows[0]["gates passed"] == "—"  # an entry without the gates' record
    e["methods"]["m2kt"]["gates_passed"] = [True, False, True]
    assert summary_rows(result)[0]["gates passed"] == "2 / 3"
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
    assert res.pred.shape == (200,)
    few = frozen_head(x[:8], proba[:8], xt, (xt @ w).argmax(1), seed=0)
    assert few.acc < res.acc


def test_soften_keeps_argmax_and_flattens() -> None:
    p = np.array([[0.7, 0.2, 0.1]])
    s = soften(p, 3.0)
    assert s.argmax() == 0 and s.max() < 0.7 and np.isclose(s.sum(), 1.0)


def test_bench_options_command_records_every_non_default_option() -> None:
    from m2kt.bench.run import BenchOptions
    from m2kt.ingest.variants import DEFAULT_VARIANT

    assert BenchOptions().command() == "python -m m2kt bench"
    assert BenchOptions().split == "dev"  # test only when a final report asks for it
    assert BenchOptions(quick=True, tasks=("taxonomy",)).command() == \
        "python -m m2kt bench --quick --tasks taxonomy"
    cross = BenchOptions(track="language", teacher="smollm2-135m", ablations=False,
                         variant="zero", split="test")
    assert cross.command() == ("python -m m2kt bench --track language --split test "
                               "--variant zero --teacher smollm2-135m --no-ablations")
    assert BenchOptions().variant == DEFAULT_VARIANT
    assert BenchOptions(workers=2).command() == "python -m m2kt bench --workers 2"


def test_bench_refuses_an_unknown_split() -> None:
    from m2kt.bench.run import BenchOptions
    from m2kt.errors import UsageError

    with pytest.raises(UsageError, match="--split"):
        BenchOptions(split="teacher_train")


def test_sweep_doubles_from_8_to_the_full_pool() -> None:
    from m2kt.bench.run import sweep_sizes

    assert sweep_sizes(100, quick=False) == [8, 16, 32, 64, 100]
    assert sweep_sizes(1000, quick=True) == [8, 64, 512, 1000]
    assert sweep_sizes(64, quick=False) == [8, 16, 32, 64]


def test_another_teacher_applies_to_the_language_tasks_only() -> None:
    from m2kt.bench.run import TRACKS, BenchOptions

    assert BenchOptions(teacher="smollm2-135m").task_names() == TRACKS["language"]
    assert BenchOptions().task_names() == (*TRACKS["language"], *TRACKS["symbolic"],
                                           *TRACKS["reasoning"])
    assert BenchOptions(track="reasoning").task_names() == TRACKS["reasoning"]


def test_symbolic_track_runs_only_its_valid_task_and_retired_ones_still_run_by_name() -> None:
    from m2kt.bench.run import RETIRED_TASKS, TRACKS, BenchOptions

    assert TRACKS["symbolic"] == ("multistep",)
    assert set(RETIRED_TASKS) == {"taxonomy", "modular"}
    assert BenchOptions(tasks=("taxonomy",)).task_names() == ("taxonomy",)


def test_quick_leaves_out_a_task_whose_teacher_is_not_installed(monkeypatch) -> None:
    from dataclasses import replace

    from m2kt.bench.run import QUICK_TASKS, BenchOptions, quick_unavailable
    from m2kt.models import builtins

    assert "sign" in QUICK_TASKS
    spec = builtins.BUILTINS["smollm2-135m"]
    monkeypatch.setitem(builtins.BUILTINS, "smollm2-135m", replace(spec, locate=lambda: None))
    missing = quick_unavailable()
    assert list(missing) == ["sign"] and "requirements-optional.txt" in missing["sign"]
    assert BenchOptions(quick=True).task_names() == ("supersense", "multistep")


def test_readme_block_stacks_one_table_per_report(tmp_path) -> None:
    import json

    from m2kt.bench.report import readme_block

    e = _entry(0.73, 32, [(16, 0.6), (256, 0.76), (4000, 0.9)])
    e.update(derived(e))
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
    assert block.count("| toy | yes") == 2


def test_research_log_tables_only_keeps_the_prose(tmp_path) -> None:
    import json

    from m2kt.bench.research import research_log

    e = _entry(0.73, 32, [(16, 0.6), (64, 0.7), (256, 0.76), (4000, 0.9)])
    e["split"] = "dev"
    results = tmp_path / "results"
    results.mkdir()
    (results / "teacher-anchors.json").write_text(json.dumps(
        {"meta": {"seeds": [0], "command": "python -m m2kt bench --split dev", "split": "dev",
                  "started": "2026-01-01T00:00:00Z", "variant": "teacher-anchors"},
         "tasks": {"toy": e}}))
    log = tmp_path / "log.md"
    log.write_text("# Log\n\nA paragraph that stays.\n")
    research_log([], log, results)
    text = log.read_text()
    assert "A paragraph that stays." in text
    # gates passed ("—": the entry records none); the crossing column splits v3's count
    assert ("| `teacher-anchors` | toy | dev | 0.730 ± 0.000 | — | 0.500 | yes | 81 % | "
            "32 (to teacher 32; task strings 32) | 0.600 | 128 | 75 % | yes |") in text


def test_beating_the_start_must_be_beyond_chance() -> None:
    e = _entry(0.024, 88, [(16, 0.025), (627, 0.08)], start=0.017, prior=0.017)
    e["student_before"] = {"name": "s", "acc": 0.017, "chance": 1 / 47}
    e["split_sizes"] = {"test": 460}
    b = beats_start(e)  # 11 of 460 right against a 1/47 bar: noise
    assert b["beats"] is False and b["bar"] == 1 / 47 and 0.05 < b["p"] < 1
    assert derived(e)["kd_parity_inputs"] is None
    e["methods"]["m2kt"]["acc"] = 0.06  # 28 of 460: far above the bar
    assert beats_start(e)["beats"] is True
    assert derived(e)["kd_parity_inputs"] is not None
    del e["split_sizes"]  # no split size: a plain comparison
    assert beats_start(e) == {"beats": True, "p": None, "bar": 1 / 47}


def test_report_lists_the_graph_against_its_reference() -> None:
    e = _entry(0.73, 32, [(16, 0.6), (4000, 0.9)])
    e.update(derived(e))
    e["graph"] = {"method": "containment probes: A is_a B when …", "nodes": 5, "edges": 4,
                  "by_type": {"is_a": 4},
                  "reference": {"is_a (direct)": {"precision": 0.25, "recall": 0.5,
                                                  "predicted": 4, "reference": 2,
                                                  "matched": 1}}}
    other = dict(e, graph={"method": "centroid neighbours: …", "nodes": 3, "edges": 6,
                           "by_type": {"related_to": 6}, "reference": None})
    old = _entry(0.7, 32, [(16, 0.6), (4000, 0.9)])  # a report made before graphs were kept
    old.update(derived(old))
    result = {"meta": {"quick": True, "seeds": [0], "device": "cpu", "started": "now",
                       "seconds": 1.0}, "tasks": {"toy": e, "plain": other, "old": old}}
    md = render_markdown(result)
    assert "## Abstraction graph against the reference" in md
    assert ("- **toy** (containment probes, 4 edges): is_a (direct): P 0.25 / R 0.50 (1/2)"
            in md)
    assert "- **plain** (centroid neighbours, 6 edges): no reference graph" in md
    assert "**old**" not in md.split("## Abstraction graph")[1].split("##")[0]


def test_beats_prior_is_a_one_sided_binomial_test_against_the_prior() -> None:
    from m2kt.bench.figures import beats_prior

    e = _entry(0.55, 0, [(16, 0.6), (4000, 0.9)], prior=0.5)
    e["split_sizes"] = {"test": 860}
    b = beats_prior(e)  # 473 of 860 against 0.5: p ≈ 0.002
    assert b["beats"] is True and b["bar"] == 0.5 and 0.001 < b["p"] < 0.005
    e["methods"]["m2kt"]["acc"] = 0.51  # 439 of 860: noise
    assert beats_prior(e)["beats"] is False
    e["methods"]["prior"] = {}
    assert beats_prior(e) == {"beats": None, "p": None, "bar": None}
    assert "beats_prior" in derived(_entry(0.55, 0, [(16, 0.6), (4000, 0.9)]))


def test_variant_note_relates_each_committed_report_to_the_default() -> None:
    """The Experiments page says whether a report's variant is the default's computation on its
    tracks; a name that is not a variant is never echoed (report files are untrusted)."""
    import json
    from pathlib import Path

    from m2kt.bench.report import COMMITTED_REPORTS, variant_note
    from m2kt.ingest.variants import DEFAULT_VARIANT

    root = Path(__file__).resolve().parents[2]
    notes = {p: variant_note(json.loads((root / p).read_text()))
             for p in COMMITTED_REPORTS.values()}
    assert notes["docs/results/full/bench.json"] == ""  # made with the default itself
    assert notes["docs/results/cross/bench.json"] == ""
    assert notes["docs/results/zero-direct/bench.json"].startswith("Not the default variant")
    assert notes["docs/results/symbolic/bench.json"] == ""
    other = variant_note({"meta": {"variant": "relative-direct"}, "tasks": {}})
    assert other.startswith("Not the default variant")
    odd = variant_note({"meta": {"variant": "<b>x</b>"}, "tasks": {}})
    assert "<b>" not in odd and DEFAULT_VARIANT in odd
