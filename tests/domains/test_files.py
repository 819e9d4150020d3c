"""A user's domain files (m2kt.domains.files): every bad input gets one readable line that
names the file, the line and the reason; good input is kept exactly as written."""

from __future__ import annotations

import json

import pytest

from m2kt.domains import files as F
from m2kt.errors import UsageError

CONCEPTS = "id,label,description,parent\nanimal,Animal,,\ndog,Dog,a pet,animal\ncat,Cat,,animal\n"


def _jsonl(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def _examples(n: int = 12) -> list[dict]:
    return [{"text": f"{c} example {i}", "concept": c} for c in ("animal", "dog", "cat")
            for i in range(n)]


def test_good_files_parse_exactly() -> None:
    concepts, bad = F.parse_concepts(CONCEPTS.encode())
    assert bad == [] and [c.id for c in concepts] == ["animal", "dog", "cat"]
    assert concepts[1] == F.ConceptRow("dog", "Dog", "a pet", "animal")
    examples, bad = F.parse_examples(_jsonl(_examples()), [c.id for c in concepts])
    assert bad == [] and len(examples) == 36 and examples[0].line == 1
    assert F.check_domain(concepts, examples) == []


def test_a_bom_and_windows_line_ends_are_fine() -> None:
    concepts, bad = F.parse_concepts(("\ufeff" + CONCEPTS.replace("\n", "\r\n")).encode())
    assert bad == [] and len(concepts) == 3


@pytest.mark.parametrize("text, expect", [
    ("", "is empty"),
    ("animal,Animal\ndog,Dog\n", "needs columns id and label"),
    ("name,title\nanimal,Animal\n", "missing id, label"),
])
def test_a_concepts_file_without_a_usable_header_is_refused(text: str, expect: str) -> None:
    with pytest.raises(UsageError, match=expect):
        F.parse_concepts(text.encode())


def test_duplicate_ids_including_unicode_twins_are_rejected_with_their_lines() -> None:
    text = "id,label\ncafé,Café\nCAFÉ,Upper\ncafe\u0301,Combining\ntea,Tea\n"
    concepts, bad = F.parse_concepts(text.encode())
    assert [c.id for c in concepts] == ["café", "tea"]
    assert [(r.line, "duplicate id" in r.reason and "line 2" in r.reason) for r in bad] == \
        [(3, True), (4, True)]
    assert str(bad[0]).startswith("concepts.csv line 3: duplicate id")


def test_row_problems_in_concepts() -> None:
    text = "id,label,parent\n,NoId,\nx,,\nok,Ok,ghost\n" + "y," + "L" * 300 + ",\n"
    concepts, bad = F.parse_concepts(text.encode())
    reasons = {r.line: r.reason for r in bad}
    assert reasons[2] == "empty id" and "empty label" in reasons[3]
    assert "parent 'ghost'" in reasons[4] and "limited to" in reasons[5]


@pytest.mark.parametrize("data, expect", [
    (b"id,label\na,\x00b\n", "line 2: contains a NUL byte"),
    (b"id,label\na,b\nc,\xff\xfe\n", "line 3: not UTF-8"),
    (b"x" * (F.MAX_DOMAIN_FILE_BYTES + 1), "the limit is"),
])
def test_binary_or_oversized_files_are_refused(data: bytes, expect: str) -> None:
    with pytest.raises(UsageError, match=f"concepts.csv.*{expect}"):
        F.parse_concepts(data)
    with pytest.raises(UsageError, match=f"examples.jsonl.*{expect}"):
        F.parse_examples(data, ["a"])


def test_example_rows_problems_name_their_line() -> None:
    lines = [json.dumps({"text": "fine", "concept": "dog"}),
             '{"text": "broken", "concept": ',
             json.dumps({"text": "   ", "concept": "dog"}),
             json.dumps({"text": "who", "concept": "wolf"}),
             json.dumps(["not", "an", "object"]),
             json.dumps({"text": 3, "concept": "dog"}),
             json.dumps({"text": "x" * (F.MAX_LINE_CHARS + 1), "concept": "dog"}),
             json.dumps({"text": "twin", "concept": "DOG"})]
    rows, bad = F.parse_examples("\n".join(lines).encode(), ["dog", "cat"])
    assert [(r.text, r.concept, r.line) for r in rows] == [("fine", "dog", 1), ("twin", "dog", 8)]
    reasons = {r.line: r.reason for r in bad}
    assert reasons[2].startswith("not valid JSON") and "column" in reasons[2]
    assert reasons[3] == "empty text" and "unknown concept 'wolf'" in reasons[4]
    assert "one JSON object" in reasons[5] and "string" in reasons[6]
    assert "the limit is 10,000" in reasons[7]
    assert str(bad[0]) == f"examples.jsonl line 2: {reasons[2]}"


def test_too_few_concepts_or_examples_say_what_is_needed() -> None:
    one, _ = F.parse_concepts(b"id,label\nonly,Only\n")
    ex, _ = F.parse_examples(_jsonl([{"text": f"t{i}", "concept": "only"} for i in range(20)]),
                             ["only"])
    assert F.check_domain(one, ex) == ["a domain needs at least 2 concepts; concepts.csv has 1"]
    concepts, _ = F.parse_concepts(CONCEPTS.encode())
    few, _ = F.parse_examples(_jsonl(_examples(12)[:-5]), ["animal", "dog", "cat"])
    assert F.check_domain(concepts, few) == [
        f"concept 'cat' has 7 example(s); each concept needs at least "
        f"{F.MIN_EXAMPLES_PER_CONCEPT} to train and test on"]


def test_names_must_be_well_formed_and_free() -> None:
    F.check_name("my-domain", {"mine"}, frozenset({"supersense"}))
    for bad in ("", "A", "9lives", "has space", "x" * 41, "../etc"):
        with pytest.raises(UsageError, match="use 2–40"):
            F.check_name(bad, set())
    with pytest.raises(UsageError, match="is a built-in task"):
        F.check_name("supersense", set(), frozenset({"supersense"}))
    with pytest.raises(UsageError, match="exists already"):
        F.check_name("mine", {"mine"})


def test_labels_with_markup_or_formulas_are_kept_as_written_and_exported_inert() -> None:
    text = ('id,label\nh,<script>alert(1)</script>\nm,**bold** [x](http://e)\n'
            'f,"=HYPERLINK(""http://e"",""x"")"\n')
    concepts, bad = F.parse_concepts(text.encode())
    assert bad == [] and concepts[0].label == "<script>alert(1)</script>"
    assert concepts[2].label == '=HYPERLINK("http://e","x")'
    assert F.inert_cell(concepts[2].label).startswith("'=")
    assert F.inert_cell(concepts[0].label) == concepts[0].label
