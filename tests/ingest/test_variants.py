"""Method variants through the library API on one real packet (multistep, 64 anchors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from m2kt.concepts.manifold import ManifoldStats


def _ingest(built, out: Path, **kw):
    from m2kt.ingest.trainer import ingest

    return ingest(built.packet, out, **kw)


def test_default_is_deterministic_for_a_seed(built, tmp_path: Path) -> None:
    a = _ingest(built, tmp_path / "a", seed=3)
    b = _ingest(built, tmp_path / "b", seed=3)
    assert a.accuracy == b.accuracy and a.curves == b.curves
    assert a.extra["method"] in ("procrustes", "ridge") and a.extra["selection"]
    assert a.accuracy > a.student_before


def test_zero_crossing_reads_no_anchor_and_no_trace(built, tmp_path: Path) -> None:
    from m2kt.ingest.student import load_student
    from m2kt.ledger import packet_ledger

    r = _ingest(built, tmp_path / "z", variant="zero")
    # it reads neither, but they crossed with the packet: the ledger counts what crossed
    assert r.ledger.crossing_inputs == packet_ledger(built.packet).crossing_inputs > 0
    report = json.loads((tmp_path / "z" / "ingestion_report.json").read_text())
    assert report["variant"] == "zero" and report["method"] == "unsupervised"
    assert all(v == 0.0 for v in report["curves"]["geo"])
    assert load_student(str(tmp_path / "z")).answer(["T and F"])[0] in ("true", "false")


def test_the_exported_student_answers_as_ingestion_scored_it_prior_offsets_included(
        built, tmp_path: Path) -> None:
    """The transductive stage's per-concept offsets travel with the readout: the student loaded
    from disk gets the accuracy ingestion's own evaluation reported."""
    from m2kt.ingest.student import load_student

    r = _ingest(built, tmp_path / "t", variant="transductive", steps=5)
    stage = next(s for s in r.extra["stages"] if s["stage"] == "transductive")
    assert "with the prior offsets" in stage["figures"]
    from m2kt.domains.registry import get_task

    dev = list(get_task("multistep").splits["dev"])
    answers = load_student(str(tmp_path / "t")).answer([e.text for e in dev])
    labels = built.packet.manifest.labels
    assert np.mean([a == labels[e.label] for a, e in zip(answers, dev, strict=True)]) == \
        pytest.approx(r.accuracy, abs=1e-9)


def test_adapt_writes_its_own_backbone(built, tmp_path: Path) -> None:
    from m2kt.ingest.student import load_student
    from m2kt.models import encode, load

    r = _ingest(built, tmp_path / "ad", variant="adapt", steps=20)
    st = load_student(str(tmp_path / "ad"))
    texts = ["T and F or T", "F or F"]
    assert not np.allclose(encode(st.lm, texts), encode(load("sym-multistep-student"), texts))
    from m2kt.ledger import packet_ledger

    assert r.ledger.crossing_inputs == packet_ledger(built.packet).crossing_inputs
    assert st.answer(texts)[0] in ("true", "false")


def test_unknown_variant_is_a_usage_error(built, tmp_path: Path) -> None:
    from m2kt.errors import UsageError

    with pytest.raises(UsageError, match="unknown ingestion variant"):
        _ingest(built, tmp_path / "x", variant="nope")


def test_selection_is_perfect_when_the_student_is_the_teacher() -> None:
    from m2kt.ingest.select import select

    rng = np.random.default_rng(0)
    cent = rng.normal(size=(4, 16)) * 4
    y = np.repeat(np.arange(4), 30)
    x = cent[y] + rng.normal(size=(120, 16))
    st = ManifoldStats(4, 16)
    st.update(x, y)
    sel = select(x, x, st.finalize(2), None, pair=False)
    assert sel.readout == "centroid" and max(sel.table.values()) == 1.0


def test_relative_variant_reads_no_anchor_and_answers_alone(built, tmp_path: Path) -> None:
    from m2kt.ingest.student import load_student
    from m2kt.ledger import packet_ledger

    assert "relative.weight" in built.packet.tensors  # class task: the builder ships it
    r = _ingest(built, tmp_path / "rel", variant="relative")
    assert r.ledger.crossing_inputs == packet_ledger(built.packet).crossing_inputs
    report = json.loads((tmp_path / "rel" / "ingestion_report.json").read_text())
    assert report["method"] == "relative" and report["readout"] == "cosine"
    assert report["selection"]["concepts_named"] >= 1
    assert load_student(str(tmp_path / "rel")).answer(["T and F"])[0] in ("true", "false")


def test_default_offers_the_relative_map_to_the_anchor_cross_validation(built, tmp_path) -> None:
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant

    assert get_variant(DEFAULT_VARIANT).relative_candidate
    r = _ingest(built, tmp_path / "d")
    table = r.extra["selection"]
    assert "relative/cosine" in table  # scored on the anchors, never fitted on them
    assert r.extra["method"] == max(table, key=table.get).split("/")[0]
    from m2kt.ledger import packet_ledger

    assert r.ledger.crossing_inputs == packet_ledger(built.packet).crossing_inputs


def test_a_variant_s_weights_are_the_engine_s_with_its_overrides_on_their_track() -> None:
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant
    from m2kt.ingest.weights import DEFAULT_WEIGHTS, TERMS

    default = get_variant(DEFAULT_VARIANT)
    assert set(default.weights("symbolic")) == set(TERMS)
    assert default.weights("symbolic") == DEFAULT_WEIGHTS | {"geo": 0.0}
    assert default.weights("language") == DEFAULT_WEIGHTS
    assert get_variant("transductive-words").weights("symbolic") == DEFAULT_WEIGHTS


def test_the_default_is_the_previous_one_but_for_its_anchors_and_words() -> None:
    """``random-anchors`` (the default since BENCHMARK v3) computes what
    ``transductive-shot-geo0-w10k`` did but for two settings: anchors drawn at random from the
    student's pool (no teacher reads the pool) and no public word (each would be a crossing
    string); ``student-anchors`` differs from it in the anchors only."""
    from m2kt.ingest.variants import DEFAULT_VARIANT, PUBLIC, get_variant, same_as_default

    assert DEFAULT_VARIANT == "random-anchors" and next(iter(PUBLIC)) == DEFAULT_VARIANT
    default, old = get_variant(DEFAULT_VARIANT), get_variant("transductive-shot-geo0-w10k")
    assert default.relative_words == 0 and default.anchor_selection == "random"
    for track in ("language", "symbolic"):
        mine, theirs = default.effective(track), old.effective(track)
        differ = {k for k in mine if mine[k] != theirs.get(k)}
        assert differ <= {"anchor_selection", "relative_words"}, (track, differ)
        assert "anchor_selection" in differ
    student = get_variant("student-anchors").effective("language")
    assert {k for k, v in student.items()
            if v != default.effective("language")[k]} == {"anchor_selection"}
    assert same_as_default(DEFAULT_VARIANT, {"language", "symbolic"})
    assert not same_as_default("student-anchors", {"language"})
    assert not same_as_default("transductive-shot-geo0-w10k", {"symbolic"})


@pytest.mark.parametrize(("name", "field", "value"), [
    ("transductive-shot-geo0-w10k-l2", "relative_l2", 0.01),
    ("transductive-shot-geo0-w10k-sp1", "relative_adapt", 1.0),
    ("transductive-shot-geo0-w10k-sp10", "relative_adapt", 10.0)])
def test_a_relative_readout_variant_is_its_base_but_for_one_language_setting(
        name: str, field: str, value: float) -> None:
    """The research variants of ``transductive-shot-geo0-w10k``'s relative readout differ from it
    only in one setting that acts on language packets (the L2 strength they are built with; the
    μ of the student's L2-SP adaptation): on the symbolic track they ingest alike."""
    from m2kt.ingest.variants import get_variant

    base, var = get_variant("transductive-shot-geo0-w10k"), get_variant(name)
    assert getattr(base, field) is None and getattr(var, field) == value
    lang = var.effective("language")
    assert lang.pop(field) == value
    assert lang == {k: v for k, v in base.effective("language").items() if k != field}
    assert var.effective("symbolic") == base.effective("symbolic")


def test_only_language_packets_of_the_l2_variant_are_built_at_a_fixed_l2() -> None:
    """``packet_l2``: the bench fixes the relative readout's L2 strength only where the packet
    carries public words (language class tasks)."""
    from m2kt.bench.run import packet_l2
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant

    l2 = get_variant("transductive-shot-geo0-w10k-l2")
    assert packet_l2(get_task("supersense"), l2) == 0.01
    assert packet_l2(get_task("multistep"), l2) is None  # no words: no relative fit to fix
    assert packet_l2(get_task("supersense"), get_variant(DEFAULT_VARIANT)) is None


def test_ingestion_trains_with_the_variant_s_weights_for_the_packet_s_track(
        built, tmp_path: Path) -> None:
    """A symbolic packet: the default trains without the geometric term (its curve is still
    logged); a caller's weight still wins over the variant's."""
    r = _ingest(built, tmp_path / "d", steps=5)
    report = json.loads((tmp_path / "d" / "ingestion_report.json").read_text())
    assert report["weights"]["geo"] == 0.0 and report["weights"]["reason"] == 1.0
    assert len(r.curves["geo"]) == 5 and any(v > 0 for v in r.curves["geo"])
    _ingest(built, tmp_path / "w", steps=5, weights={"geo": 0.5})
    report = json.loads((tmp_path / "w" / "ingestion_report.json").read_text())
    assert report["weights"]["geo"] == 0.5


def test_a_packet_records_its_relative_readout_s_l2_strength(built, tmp_path: Path) -> None:
    """The manifest says which L2 strength the relative readout was fitted at and whether it
    was fixed (``build-packet --relative-l2``) or chosen by agreement with the teacher."""
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    chosen = built.packet.manifest.provenance.recipe.params
    assert chosen["relative_readout_l2_fixed"] is False
    assert chosen["relative_readout_l2"] in (1e-4, 1e-3, 1e-2)
    task = get_task("multistep")
    fixed = build_and_approve(task, load_teacher(task), 64, tmp_path, relative_l2=0.5)
    params = fixed.packet.manifest.provenance.recipe.params
    assert params["relative_readout_l2"] == 0.5 and params["relative_readout_l2_fixed"] is True
    assert fixed.path.name.endswith("-l20.5-gauto.m2kt")
