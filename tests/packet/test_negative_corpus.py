"""R1: one fixture per row of reliability.md §2, each refused with its exact error class
(or accepted as inert text), through both the raising and the report-all reader."""

from __future__ import annotations

import pytest

import m2kt.errors as E
from m2kt.packet.reader import open_packet, report_packet
from tests.fixtures.make_bad_packets import cases
from tests.fixtures.packets import make_packet
from tests.packet.conftest import setup_for, store

CASES = list(cases())


def test_corpus_covers_every_row() -> None:
    assert {row for _, row, *_ in CASES} == set(range(1, 21))
    assert len(CASES) >= 30


def test_valid_packet_opens(conn) -> None:
    p = open_packet(make_packet(), store(), conn)
    assert p.concept_ids == ["c0", "c1", "c2", "c3"]
    assert p.tensors["centroids.L1"].shape == (4, 8)
    again = open_packet(make_packet(), store(), conn)  # same digest again: idempotent
    assert again.already_accepted


@pytest.mark.parametrize(("name", "row", "data", "expected", "setup"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_input(name, row, data, expected, setup, conn) -> None:
    trust = setup_for(setup, conn)
    if expected == "accept":
        p = open_packet(data, trust, conn)
        assert p.digest
        return
    with pytest.raises(E.PacketError) as info:
        open_packet(data, trust, conn)
    assert type(info.value).__name__ == expected, f"{name}: {info.value}"
    assert issubclass(getattr(E, expected), E.PacketError)
    assert str(info.value)  # a readable message
    rep = report_packet(data, trust, conn)
    assert not rep.ok and rep.packet is None
    assert expected in {i.error for i in rep.issues}, rep.issues


def test_report_all_lists_several_problems(conn) -> None:
    def many(p) -> None:
        p.anchors["surprise"] = 1
        p.anchors["selection"] = 3
        p.graph["edges"].append({"source": "c0", "target": "c0", "type": "is_a", "weight": 1.0})
        p.traces["traces"][0]["answer"] = "nope"
    rep = report_packet(make_packet(many), store(), conn)
    assert not rep.ok
    msgs = " ".join(i.message for i in rep.issues)
    assert "surprise" in msgs and "selection" in msgs
    assert {"SchemaError", "GraphError", "SemanticError"} <= {i.error for i in rep.issues}


def test_trust_error_is_a_signature_error() -> None:
    assert issubclass(E.TrustError, E.SignatureError)


def test_cycle_message_names_the_path(conn) -> None:
    def cyc(p) -> None:
        p.graph["edges"].append({"source": "c0", "target": "c2", "type": "is_a", "weight": 1.0})
    with pytest.raises(E.GraphError, match="c0 → c2 → c0|c2 → c0 → c2"):
        open_packet(make_packet(cyc), store(), conn)
