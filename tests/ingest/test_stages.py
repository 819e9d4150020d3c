"""Ingestion's stages one by one (:mod:`m2kt.ingest.pipeline`) on real packets: multistep
(a class task) and taxonomy (a pair task), 64 anchors each."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from m2kt.ingest import pipeline
from m2kt.ingest.run import Cancelled, Run, prepare
from m2kt.ingest.stages.encode import encode
from m2kt.ingest.stages.evaluate import evaluate
from m2kt.ingest.stages.gates import ALIGN_GATE, calibrate, post_gates
from m2kt.ingest.stages.initial_map import map_anchors, map_mixture, map_relative
from m2kt.ingest.stages.train import train_cal
from m2kt.ingest.stages.transductive import transductive
from m2kt.ingest.variants import DEFAULT_VARIANT, STAGE_DESCRIPTIONS, VARIANTS
from m2kt.models.spec import no_progress


def _run(pk, tmp_path: Path, variant: str = "frozen", steps: int = 5, method: str = "auto",
         cancel=lambda: False, on_step=None) -> Run:
    return prepare(pk.packet, tmp_path / "out", None, method, 0, None, steps, 500, None,
                   None, variant, "dev", no_progress, cancel, on_step)


def test_encode_counts_every_input_and_holds_anchors_out(built, tmp_path: Path) -> None:
    run = _run(built, tmp_path)
    figures = encode(run)
    assert figures["anchors"] == 64 and figures["unlabelled inputs"] == 500
    from m2kt.ledger import packet_ledger

    want = packet_ledger(built.packet)  # what crossed, counted from the packet
    want.student_inputs = len(run.anchors) + len(run.traces) + len(run.pool) + len(run.probes)
    assert run.ledger == want
    assert run.s_pool.shape == (500, run.lm.info.hidden_size)
    assert not set(run.hold) & set(run.fit_idx) and len(run.hold) + len(run.fit_idx) == 64
    assert len(run.hold) == 8 and run.t_anchor.shape[0] == 64


def test_a_zero_crossing_encode_reads_no_anchor_and_no_trace(built, tmp_path: Path) -> None:
    run = _run(built, tmp_path, variant="zero")
    encode(run)
    # it reads neither, but they crossed with the packet: the ledger counts what crossed
    assert run.anchors == [] and run.traces == [] and run.ledger.crossing_inputs > 0
    assert run.t_anchor.shape[0] == 0 and len(run.hold) == 0


def test_map_anchors_chooses_among_the_candidates_or_takes_the_forced_method(
        built, tmp_path: Path) -> None:
    run = _run(built, tmp_path)
    encode(run)
    figures = map_anchors(run)
    assert run.sel.method in ("procrustes", "ridge") and figures["method"] == run.sel.method
    assert any(k.startswith("agreement ") for k in figures)
    forced = _run(built, tmp_path, method="ridge")
    encode(forced)
    map_anchors(forced)
    assert forced.sel.method == "ridge"
    y = forced.mapped(forced.s_pool[:3])
    assert y.shape == (3, built.packet.manifest.d_teacher) and y.dtype == np.float64


def test_map_relative_names_concepts_and_falls_back_on_pair_tasks(built, pair_built,
                                                                  tmp_path: Path) -> None:
    run = _run(built, tmp_path, variant="relative")
    encode(run)
    before = run.ledger.student_inputs
    figures = map_relative(run)
    assert run.sel.method == "relative" and figures["concepts named"] >= 1
    assert run.ledger.student_inputs == before + len(run.task.concepts)  # label texts counted
    p = _run(pair_built, tmp_path, variant="relative")
    encode(p)
    assert map_relative(p)["method"] == "unsupervised"  # pair task: the mixture map


def test_the_relative_head_adapts_to_the_student_s_profiles_of_the_anchors(
        built, tmp_path: Path) -> None:
    """``relative_adapt``: the packet's relative head refitted towards the packet readout's
    answers on the fitting anchors (L2-SP) answers those anchors' student profiles closer to
    the teacher than the shipped head; without anchors it is left as shipped."""
    from m2kt.concepts import relative as concept_relative
    from m2kt.ingest.readout import class_scores
    from m2kt.ingest.relative_reader import reader_for
    from m2kt.ingest.stages.initial_map import _adapted

    run = _run(built, tmp_path, variant="transductive-shot-geo0-w10k-sp1")
    encode(run)
    assert run.var.relative_adapt == 1.0
    head = concept_relative.from_tensors(run.packet.tensors)
    ref = run.encode_texts([c.label for c in run.task.concepts])
    adapted = _adapted(run, head, ref)
    assert not np.allclose(adapted.weight, head.weight)
    fit = run.fit_idx
    teacher = class_scores(run.t_anchor[fit], run.man, run.head).argmax(1)
    agree = {name: float((reader_for(h, ref, run.s_pool, None).answer(run.s_anchor[fit])
                          == teacher).mean()) for name, h in (("shipped", head),
                                                              ("adapted", adapted))}
    assert agree["adapted"] > agree["shipped"], agree
    run.fit_idx = np.zeros(0, dtype=int)
    assert _adapted(run, head, ref) is head


def test_map_mixture_needs_no_anchor(pair_built, tmp_path: Path) -> None:
    run = _run(pair_built, tmp_path, variant="zero")
    encode(run)
    figures = map_mixture(run)
    assert run.sel.method == "unsupervised" and figures["readout"] in ("head", "manifold")


def test_cal_training_records_every_step_and_can_be_cancelled(built, tmp_path: Path) -> None:
    seen: list[int] = []
    run = _run(built, tmp_path, steps=4, on_step=lambda s, t: seen.append(s))
    encode(run)
    map_anchors(run)
    figures = train_cal(run)
    assert seen == [0, 1, 2, 3] and figures["steps"] == 4
    assert all(len(run.curves[t]) == 4 for t in ("geo", "struct", "reason", "safe", "total"))
    assert not run.cal.training and run.s_probe_after is run.s_probe
    stop = _run(built, tmp_path, steps=4, cancel=lambda: True)
    encode(stop)
    map_anchors(stop)
    with pytest.raises(Cancelled):
        train_cal(stop)


def test_transductive_refits_the_map_from_the_pool_and_skips_pair_tasks(
        built, pair_built, tmp_path: Path) -> None:
    run = _run(built, tmp_path, variant="transductive")
    for stage in (encode, map_anchors, train_cal):
        stage(run)
    cal, labels = run.cal, run.task.splits["transfer_pool"]
    figures = transductive(run)
    assert run.cal is not cal and figures["rounds"] == run.var.transductive_rounds == 1
    assert 0 < figures["kept per round"] <= figures["pool inputs"] == len(run.pool)
    assert 0.0 <= figures["answers changed"] <= 1.0
    from m2kt.ledger import packet_ledger

    assert run.ledger.crossing_inputs == packet_ledger(built.packet).crossing_inputs  # no more
    assert labels == run.task.splits["transfer_pool"]
    p = _run(pair_built, tmp_path, variant="transductive")
    assert transductive(p) == {"skipped": "pair task"}


def test_calibration_sets_pair_thresholds_only(built, pair_built, tmp_path: Path) -> None:
    for pk, pair in ((built, False), (pair_built, True)):
        run = _run(pk, tmp_path)
        for stage in (encode, map_anchors, train_cal, calibrate):
            stage(run)
        if pair:
            assert run.thresholds.shape == (len(pk.packet.concept_ids),)
        else:
            assert run.thresholds is None


def test_gates_then_evaluation_in_the_engine_order(built, tmp_path: Path) -> None:
    run = _run(built, tmp_path)
    for stage in (encode, map_anchors, train_cal, calibrate):
        stage(run)
    figures = post_gates(run)
    names = [g.name for g in run.gates]
    assert names[0] == ALIGN_GATE and names[-1] == "CAL norm bound"
    # the stage lists the gates it added, each with its status (no protected probes here)
    assert list(figures) == names and len(names) == 3
    assert set(figures.values()) <= {"pass", "fail", "n/a"}
    ev = evaluate(run)
    assert run.gates[-1].name.startswith("held-out accuracy above the student's start")
    n = len(run.task.splits["dev"])
    assert ev["inputs"] == n and len(run.evaluation["pred"]) == n
    assert 0.0 <= run.evaluation["acc"] <= 1.0


def test_the_pipeline_runs_the_variant_stages_and_the_report_keeps_them(
        built, tmp_path: Path) -> None:
    from m2kt.ingest.trainer import ingest

    r = ingest(built.packet, tmp_path / "s", steps=3, pool_limit=500, evaluate=False)
    stages = [s["stage"] for s in r.extra["stages"]]
    assert stages == [s for s in VARIANTS[DEFAULT_VARIANT].stages if s != "evaluation"]
    report = json.loads((tmp_path / "s" / "ingestion_report.json").read_text())
    assert [s["stage"] for s in report["stages"]] == stages and r.accuracy is None


def test_every_variant_names_known_stages_in_order() -> None:
    for v in VARIANTS.values():
        assert v.stages[0] == "encode" and v.stages[1].startswith("map-")
        assert all(s in pipeline.STAGES and s in STAGE_DESCRIPTIONS for s in v.stages)


@pytest.mark.parametrize("fn", [*pipeline.STAGES.values(), "ingest", "prepare", "export"])
def test_ingest_and_every_stage_stay_short(fn) -> None:
    from m2kt.ingest import export, run, trainer

    fn = {"ingest": trainer.ingest, "prepare": run.prepare, "export": export.export}.get(fn, fn)
    assert len(inspect.getsource(fn).splitlines()) <= 60, fn.__name__


def test_read_relative_answers_with_the_packets_relative_readout(built, pair_built,
                                                                 tmp_path: Path) -> None:
    from m2kt.ingest.stages.read_relative import read_relative

    run = _run(built, tmp_path, variant="relative-direct")
    for stage in (encode, map_relative, train_cal):
        stage(run)
    before = run.ledger.student_inputs
    figures = read_relative(run)
    assert figures["reference strings"] == len(run.task.concepts)  # no words on multistep
    assert run.ledger.student_inputs == before + len(run.task.concepts)
    calibrate(run)
    post_gates(run)
    evaluate(run)  # the reader answers, not the CAL
    dev = run.task.splits["dev"]
    s = run.encode_texts([e.text for e in dev])
    assert np.array_equal(run.evaluation["pred"], run.reader.answer(s))
    p = _run(pair_built, tmp_path, variant="relative-direct")  # a symbolic pair packet
    encode(p)
    assert "skipped" in read_relative(p) and p.reader is None  # the CAL answers


def test_a_relative_reading_student_answers_the_same_after_loading(built,
                                                                   tmp_path: Path) -> None:
    from m2kt.domains.registry import get_task
    from m2kt.ingest.student import load_student
    from m2kt.ingest.trainer import ingest

    out = tmp_path / "rel"
    r = ingest(built.packet, out, variant="relative-direct", steps=3, pool_limit=500)
    meta = json.loads((out / "m2kt_student.json").read_text())
    assert meta["answers"] == "relative readout" and (out / "relative.safetensors").is_file()
    dev = get_task(built.packet.manifest.provenance.domain.task).splits["dev"]
    got = load_student(str(out)).answer_indices([e.text for e in dev])
    assert np.array_equal(got, r.extra["pred"])  # the loaded student is the evaluated one


def test_self_learning_matches_student_clusters_and_refits_the_map(built, pair_built,
                                                                    tmp_path: Path) -> None:
    from m2kt.ingest.stages.self_learning import self_learning

    run = _run(built, tmp_path, variant="self-learning")
    for stage in (encode, map_anchors, train_cal):
        stage(run)
    cal, labels, crossing = run.cal, run.task.splits["transfer_pool"], run.ledger.crossing_inputs
    figures = self_learning(run)
    assert run.cal is not cal and 1 <= figures["rounds"] <= run.var.self_learning_rounds
    changed = figures["clusters changing concept per round"]
    assert len(changed) == figures["rounds"] and changed[0] == figures["student clusters"]
    assert figures["rounds"] == run.var.self_learning_rounds or changed[-1] == 0
    assert 1 <= figures["concepts matched"] <= len(run.packet.concept_ids)
    assert run.thresholds.shape == (len(run.packet.concept_ids),)  # prior offsets
    assert run.ledger.crossing_inputs == crossing and labels == run.task.splits["transfer_pool"]
    p = _run(pair_built, tmp_path, variant="self-learning")
    assert self_learning(p) == {"skipped": "pair task"}


def test_self_learning_helpers_average_per_cluster_and_give_distributions(built,
                                                                          tmp_path: Path) -> None:
    from m2kt.ingest.stages.self_learning import cluster_means, gaussian_answers, student_clusters

    p = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert np.allclose(cluster_means(p, np.array([0, 0, 1])), [[0.5, 0.5], [0.5, 0.5]])
    ids = student_clusters(np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 9], 2, 0)
    assert len(set(ids[:5])) == len(set(ids[5:])) == 1 and ids[0] != ids[5]
    run = _run(built, tmp_path, variant="self-learning")
    encode(run)
    map_anchors(run)
    q = gaussian_answers(run, run.mapped(run.s_pool[:50]))
    assert q.shape == (50, len(run.packet.concept_ids)) and np.allclose(q.sum(1), 1.0)
    assert np.all(q[:, np.asarray(run.man.counts) <= 0] == 0)


def test_shot_adapts_the_backbone_through_the_frozen_cal(built, pair_built,
                                                         tmp_path: Path) -> None:
    from dataclasses import replace

    import torch

    from m2kt.ingest.stages.shot import shot

    run = _run(built, tmp_path, variant="shot")
    for stage in (encode, map_anchors, train_cal):
        stage(run)
    run.var = replace(run.var, shot_steps=3)
    cal = {k: v.clone() for k, v in run.cal.state_dict().items()}
    pool, crossing = run.s_pool.copy(), run.ledger.crossing_inputs
    figures = shot(run)
    assert figures["steps"] == 3 and run.encoder is not None
    assert all(torch.equal(v, run.cal.state_dict()[k]) for k, v in cal.items())  # frozen
    assert run.s_pool.shape == pool.shape and not np.allclose(run.s_pool, pool)
    assert run.s_probe_after.shape == run.s_probe.shape
    assert len(figures["entropy, first / last step"]) == 2
    assert run.ledger.crossing_inputs == crossing
    p = _run(pair_built, tmp_path, variant="shot")
    assert shot(p) == {"skipped": "pair task"}


def test_shots_information_terms() -> None:
    import torch

    from m2kt.ingest.stages.shot import information

    k = 4
    prior = torch.full((k,), 1.0 / k)
    ent, div = information(torch.zeros(8, k), prior)  # every answer uniform
    assert abs(float(ent) - np.log(k)) < 1e-5 and abs(float(div)) < 1e-6
    sure = torch.eye(k).repeat(2, 1) * 50  # confident answers, following the prior
    ent, div = information(sure, prior)
    assert float(ent) < 1e-6 and abs(float(div)) < 1e-6
    ent, div = information(torch.eye(k)[[0] * 8] * 50, prior)  # confident, all one concept
    assert float(div) > 1.0
