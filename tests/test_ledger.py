"""The ledger of BENCHMARK v3 counts what real packets hold, and no packet member carries a
``teacher_train`` text.

For a real packet of each kind — a language class task with public words, a language pair
task, a symbolic class task with hop traces, a symbolic pair task; anchors chosen by the
student, by a random draw and by the teacher reading the pool; no anchors at all — the test
reads the packet's members itself (the ZIP, its JSON members, the tensor names in the
manifest) and enumerates every string with per-string teacher information, and compares with
:func:`m2kt.ledger.packet_ledger`. A second test walks every string value of every member
(but the manifest's software fields: the teacher model's facts, versions, creator, times) and
fails if any ``teacher_train`` input of the task is among them (or, for sentence inputs, inside
one) — beyond the domain's own public definition that every packet carries by design (its
concepts' ids, labels and descriptions, its answer labels), which on supersense include words
that are also training inputs (the concept "animal" and the input "animal").
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from m2kt.ledger import Ledger, kd_ledger, packet_ledger

#: (task, anchors, anchor selection, public words): one packet of each kind; the language ones
#: encode their splits (minutes in a fresh workspace) and run in the slow tier, which CI runs
SLOW = pytest.mark.slow
KINDS = [
    pytest.param(("supersense", 16, "student-kmeans", 150), marks=SLOW, id="supersense"),
    pytest.param(("gloss", 0, "random", 60), marks=SLOW, id="gloss"),
    pytest.param(("hypernymy", 16, "random", 0), marks=SLOW, id="hypernymy"),
    pytest.param(("multistep", 24, "kmeans", 0), id="multistep"),
    pytest.param(("taxonomy", 0, "random", 0), id="taxonomy"),
]


@pytest.fixture(scope="module", params=KINDS)
def built(request, tmp_path_factory: pytest.TempPathFactory):
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    name, anchors, how, words = request.param
    task = get_task(name)
    b = build_and_approve(task, load_teacher(task), anchors, tmp_path_factory.mktemp("pk"),
                          anchor_selection=how, seed=1, relative_words=words)
    return task, b, how


def _members(path: Path) -> dict[str, object]:
    """The packet's JSON members as a reader of the file sees them."""
    with zipfile.ZipFile(path) as z:
        return {n[:-5]: json.loads(z.read(n)) for n in z.namelist()
                if n.endswith(".json") and n != "signature.json"}


def _enumerate(members: dict) -> set[str]:
    """Every string the members give per-string teacher information for, listed from the
    JSON alone: anchor texts whose vectors the manifest declares, each trace's query and the
    prefix each of its ``hop i`` steps answers, and — when the manifest declares a relative
    readout — the concept labels and public words it reads."""
    man, anchors, traces = members["manifest"], members["anchors"], members["traces"]
    out: set[str] = set()
    if "anchors" in man["tensors"]:
        out.update(anchors["texts"])
    for t in traces["traces"]:
        out.add(t["query"])
        words = t["query"].split()
        for st in t["steps"]:
            if st["stage"].startswith("hop "):
                i = int(st["stage"].split()[1])
                out.add(" ".join(words[:2 * i + 1]))
    if "relative.weight" in man["tensors"]:
        out.update(c["label"] for c in man["concepts"])
        out.update(anchors.get("words", []))
    return out


def test_ledger_counts_what_the_packet_holds(built) -> None:
    task, b, how = built
    members = _members(b.path)
    strings = _enumerate(members)
    led = packet_ledger(b.packet)
    assert led.task_strings == len(strings) > 0
    pool = {e.text for e in task.splits["transfer_pool"]}
    anchors = members["anchors"]["texts"]
    # what the teacher read of the student's side: the whole pool when it chose the anchors,
    # else the anchors sent to it, and pool inputs that became trace queries
    queries = {t["query"] for t in members["traces"]["traces"]}
    if how == "kmeans":
        sent = pool
    else:
        sent = set(anchors) | (queries & pool if not anchors else set())
    assert led.to_teacher == len(sent)
    assert led.crossing_inputs == len(sent | strings)
    assert led.bytes == b.path.stat().st_size + sum(len(t.encode()) for t in sent)
    assert led.atlas_strings == 0
    counts = members["manifest"]["provenance"]["counts"]
    assert counts["to_teacher"] == led.to_teacher and counts["anchor_inputs"] == len(anchors)


def test_no_teacher_train_text_in_any_member(built) -> None:
    task, b, _ = built
    public = {s.strip().casefold() for c in task.concepts
              for s in (c.id, c.label, c.description)} | {x.casefold() for x in task.labels}
    private = {e.text.strip().casefold() for e in task.splits["teacher_train"]} - public
    sentences = [t for t in private if len(t.split()) >= 4]
    assert private
    found: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, str):
            s = x.strip().casefold()
            if s in private or any(t in s for t in sentences if len(s) >= len(t)):
                found.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for name, doc in _members(b.path).items():
        if name == "manifest":  # the software's own fields (model name, pooling "mean", …)
            prov = {k: v for k, v in doc["provenance"].items()
                    if k not in ("teacher", "versions", "creator", "created_at", "expires_at")}
            doc = {**doc, "provenance": prov}
        walk(doc)
        assert not found, f"teacher_train text in {name}.json: {found[:3]}"


def test_kd_ledger_counts_inputs_words_and_bytes() -> None:
    led = kd_ledger(["a cat", "dog"], 3, words=["dog", "tree"], pool=10, prior=True)
    assert led == Ledger(to_teacher=2, task_strings=3, atlas_strings=0, crossing_inputs=3,
                         bytes=5 + 3 + 3 + 4 + 4 * 3 * 3 + 4 * 3, student_inputs=13,
                         teacher_inputs=3)
    assert kd_ledger([], 5) == Ledger()
