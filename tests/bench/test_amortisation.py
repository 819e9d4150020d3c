"""The atlas's amortisation (BENCHMARK v3): counted once per teacher, against KD's strings per
task, and said plainly in the report's sentence."""

from __future__ import annotations

from m2kt.bench.figures import amortisation


def _ledger(task: int, atlas: int) -> dict[str, int]:
    return {"to_teacher": 0, "task_strings": task, "atlas_strings": atlas,
            "crossing_inputs": task}


def test_no_atlas_no_amortisation() -> None:
    assert amortisation(_ledger(88, 0), 300.0) is None


def test_the_atlas_pays_off_from_the_task_where_kd_has_spent_more() -> None:
    # 10,000 atlas strings once; KD 8,332 strings per task, M2KT none: 2 tasks
    a = amortisation(_ledger(0, 10_000), 8331.9)
    assert a == {"atlas_strings": 10_000, "m2kt_task_strings": 0, "kd_parity_strings": 8331.9,
                 "tasks_to_amortise": 2, "reduction_one_task": 1.0 - 10_000 / 8331.9}
    # KD 1,000 per task, M2KT 0: 10,000 + 0·T < 1,000·T from T = 11 (T = 10 is a tie)
    assert amortisation(_ledger(0, 10_000), 1000.0)["tasks_to_amortise"] == 11
    # M2KT's own task strings count against it
    assert amortisation(_ledger(500, 10_000), 1000.0)["tasks_to_amortise"] == 21


def test_no_parity_or_kd_cheaper_per_task_never_pays_off() -> None:
    assert amortisation(_ledger(0, 10_000), None)["tasks_to_amortise"] is None
    assert amortisation(_ledger(900, 10_000), 800.0)["tasks_to_amortise"] is None


def test_the_report_sentence_names_the_atlas() -> None:
    from m2kt.bench.report import _crossing

    cell = _crossing({"ledger": _ledger(0, 10_000)})
    assert "atlas of 10,000, once per teacher" in cell
    assert "atlas" not in _crossing({"ledger": _ledger(88, 0)})


def test_the_bench_runs_an_atlas_variant_only_where_kd_gets_the_same_strings() -> None:
    import pytest

    from m2kt.bench.run import BenchOptions, task_bench
    from m2kt.errors import UsageError

    with pytest.raises(UsageError, match="--no-ablations"):
        BenchOptions(variant="atlas-prior", split="dev")
    opts = BenchOptions(variant="atlas-prior", split="dev", ablations=False)
    for name in ("multistep", "hypernymy"):  # a symbolic task, a language pair task
        with pytest.raises(UsageError, match="language class tasks only"):
            task_bench(name, opts)
