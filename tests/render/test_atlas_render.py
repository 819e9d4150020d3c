"""What an atlas and the packets naming it carry: one row per artefact, packet texts inert."""

from __future__ import annotations

import numpy as np

from m2kt.atlas import read_atlas
from m2kt.atlas.artefact import pack_atlas
from m2kt.packet.reader import open_packet
from m2kt.packet.trust import TrustedKey, TrustStore
from m2kt.render.atlas import carry_rows
from tests.fixtures.packets import fixed_key, make_packet

TEACHER = {"name": "minilm-l6", "weights_sha256": "ab" * 32, "hidden_size": 8, "layer": -1,
           "pooling": "mean"}


def _store() -> TrustStore:
    k = fixed_key(1)
    return TrustStore({k.keyid: TrustedKey(k.keyid, k.public, "test")}, "test")


def test_rows_for_the_atlas_and_only_the_packets_that_name_it() -> None:
    atlas = read_atlas(pack_atlas(TEACHER, ["alpha", "beta", "gamma"],
                                  np.zeros((3, 8), np.float32), fixed_key(1)), _store())

    def names(p) -> None:
        p.manifest["atlas"] = {"digest": atlas.digest, "strings": 3, "teacher": "minilm-l6"}

    def names_other(p) -> None:
        p.manifest["atlas"] = {"digest": "cd" * 32, "strings": 3, "teacher": "minilm-l6"}

    mine = open_packet(make_packet(names), _store())
    other = open_packet(make_packet(names_other, sequence=2), _store())
    plain = open_packet(make_packet(sequence=3), _store())
    rows = carry_rows(atlas, [mine, other, plain])
    assert len(rows) == 2
    a, p = rows
    assert a["crosses"] == "once per teacher" and a["atlas strings"] == 3
    assert a["task strings"] == 0 and a["bytes"] == atlas.size
    assert p["crosses"] == "once per task" and p["atlas strings"] == 0
    assert p["anchors"] == 2  # the fixture packet's two anchors still count as task strings
    assert p["task strings"] >= p["anchors"] and p["bytes"] == mine.size
    assert mine.digest[:12] in p["what"]


def test_a_hostile_teacher_name_is_made_visible_not_interpreted() -> None:
    atlas = read_atlas(pack_atlas({**TEACHER, "name": "x\u202e<b>y"}, ["alpha"],
                                  np.zeros((1, 8), np.float32), fixed_key(1)), _store())
    what = carry_rows(atlas, [])[0]["what"]
    assert "\u202e" not in what and "<b>" in what  # bidi escaped; HTML left as text for
    # the page's inert table, which escapes Markdown and HTML
