"""Ingestion through a teacher's atlas: a packet with zero task strings names the atlas by
digest, the ingestion reads exactly that atlas, and the ledger counts its strings apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from m2kt.errors import UsageError


@pytest.fixture(scope="module")
def atlas_built(tmp_path_factory: pytest.TempPathFactory):
    from m2kt.bench.m2kt_run import bench_atlas, build_and_approve
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    task = get_task("multistep")
    teacher = load_teacher(task)
    atlas = bench_atlas(teacher.name, 200)
    return build_and_approve(task, teacher, 64, tmp_path_factory.mktemp("pk"), atlas=atlas), atlas


@pytest.mark.slow
def test_an_atlas_packet_carries_no_task_string_and_names_its_atlas(atlas_built) -> None:
    from m2kt.ledger import packet_ledger, packet_strings

    b, atlas = atlas_built
    ref = b.packet.manifest.atlas
    assert ref is not None and ref.digest == atlas.digest and ref.strings == 200
    assert all(len(v) == 0 for v in packet_strings(b.packet).values())
    led = packet_ledger(b.packet, atlas=atlas)
    assert (led.task_strings, led.to_teacher, led.crossing_inputs) == (0, 0, 0)
    assert led.atlas_strings == 200 and led.bytes == b.size + atlas.size


@pytest.mark.slow
def test_the_atlas_route_ingests_and_counts_the_atlas_once(atlas_built) -> None:
    from m2kt.bench.m2kt_run import ingest_approved

    b, atlas = atlas_built
    r = ingest_approved(b, 0, variant="atlas", atlas=atlas)
    assert r.ledger.atlas_strings == 200 and r.ledger.crossing_inputs == 0
    assert r.ledger.student_inputs >= 200  # the student encodes the atlas's strings itself
    fig = next(s["figures"] for s in r.extra["stages"] if s["stage"] == "map-atlas")
    assert fig["atlas strings"] == 200 and fig["method"] == "atlas"
    assert r.accuracy is not None and 0.0 <= r.accuracy <= 1.0
    assert len(r.extra["pred"]) > 0


@pytest.mark.slow
def test_the_atlas_must_be_given_and_be_the_packets_own(atlas_built) -> None:
    from m2kt.bench.m2kt_run import bench_atlas, ingest_approved

    b, atlas = atlas_built
    with pytest.raises(UsageError, match="pass --atlas FILE"):
        ingest_approved(b, 0, variant="atlas")
    other = bench_atlas(atlas.teacher.name, 100)
    with pytest.raises(UsageError, match="not the one the packet names"):
        ingest_approved(b, 0, variant="atlas", atlas=other)


def test_a_packet_without_an_atlas_is_refused_by_an_atlas_variant(built, tmp_path: Path) -> None:
    from m2kt.bench.m2kt_run import bench_atlas, ingest_approved

    with pytest.raises(UsageError, match="names none"):
        ingest_approved(built, 0, variant="atlas", atlas=bench_atlas("sym-multistep-teacher",
                                                                      100))


def test_an_atlas_of_another_teacher_is_refused_at_build(tmp_path: Path) -> None:
    from m2kt.atlas import read_atlas
    from m2kt.atlas.artefact import pack_atlas
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.packet.build import build_packet
    from m2kt.packet.trust import TrustedKey, TrustStore
    from tests.fixtures.packets import fixed_key

    k = fixed_key(3)
    data = pack_atlas({"name": "minilm-l6", "weights_sha256": "ab" * 32, "hidden_size": 8,
                       "layer": -1, "pooling": "mean"}, ["alpha", "beta"],
                      np.zeros((2, 8), np.float32), k)
    other = read_atlas(data, TrustStore({k.keyid: TrustedKey(k.keyid, k.public, "t")}))
    task = get_task("multistep")
    with pytest.raises(UsageError, match="this packet's teacher is"):
        build_packet(task, k, tmp_path / "p.m2kt", 1, teacher=load_teacher(task), atlas=other)
    assert not (tmp_path / "p.m2kt").exists()
