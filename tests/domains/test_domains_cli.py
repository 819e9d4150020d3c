"""``python -m m2kt domains add|show|remove`` on the example domain and on bad files: each bad
input is one readable ``ERROR`` line, exit 2, and the workspace is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m2kt.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "assets" / "examples" / "topics"
GOOD_CONCEPTS = "id,label\nup,Up\ndown,Down\n"


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("M2KT_HOME", str(tmp_path / "ws"))
    return tmp_path / "ws"


def _files(tmp_path: Path, concepts: bytes | str, examples: bytes | str) -> list[str]:
    c, e = tmp_path / "c.csv", tmp_path / "e.jsonl"
    c.write_bytes(concepts.encode() if isinstance(concepts, str) else concepts)
    e.write_bytes(examples.encode() if isinstance(examples, str) else examples)
    return ["--concepts", str(c), "--examples", str(e)]


def _good_examples(extra: str = "") -> str:
    rows = [json.dumps({"text": f"{c} number {i}", "concept": c})
            for c in ("up", "down") for i in range(12)]
    return "\n".join(rows) + "\n" + extra


def _stored(ws: Path) -> list[str]:
    d = ws / "domains"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def test_add_show_list_remove_the_example_domain(ws: Path, capsys) -> None:
    assert main(["domains", "add", "topics", "--concepts", str(EXAMPLE / "concepts.csv"),
                 "--examples", str(EXAMPLE / "examples.jsonl")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added domain topics: 10 concepts, 2400 examples")
    assert main(["domains", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in listed["custom"]] == ["topics"]
    assert main(["domains", "show", "topics", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert sum(shown["splits"].values()) == 2400 and len(shown["concepts_list"]) == 10
    assert main(["domains", "remove", "topics"]) == 0
    assert _stored(ws) == []


BAD = [
    ("no header", "up,Up\ndown,Down\n", _good_examples(), "line 1: the header needs"),
    ("no label column", "id,name\nup,Up\n", _good_examples(), "missing label"),
    ("duplicate ids", GOOD_CONCEPTS + "UP,again\n", _good_examples(), "line 4: duplicate id"),
    ("unicode twin", "id,label\ncafé,A\ncafe\u0301,B\n", _good_examples(), "duplicate id"),
    ("unknown concept", GOOD_CONCEPTS, _good_examples('{"text": "x", "concept": "left"}'),
     "line 25: unknown concept 'left'"),
    ("empty text", GOOD_CONCEPTS, _good_examples('{"text": " ", "concept": "up"}'),
     "line 25: empty text"),
    ("long line", GOOD_CONCEPTS,
     _good_examples(json.dumps({"text": "x" * 10_001, "concept": "up"})), "line 25: line is"),
    ("NUL byte", GOOD_CONCEPTS, _good_examples() + "\x00", "line 25: contains a NUL byte"),
    ("invalid UTF-8", GOOD_CONCEPTS.encode() + b"x,\xc3\x28\n", _good_examples(),
     "line 4: not UTF-8"),
    ("JSON syntax", GOOD_CONCEPTS, _good_examples('{"text": "x",'), "line 25: not valid JSON"),
    ("one concept", "id,label\nup,Up\n", _good_examples(), "at least 2 concepts"),
    ("too few examples", GOOD_CONCEPTS, _good_examples().replace('"down"', '"up"', 5),
     "concept 'down' has 7 example(s); each concept needs at least 10"),
]


@pytest.mark.parametrize("case, concepts, examples, expect", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_one_error_line_exit_2_and_nothing_stored(
        ws: Path, tmp_path: Path, capsys, case: str, concepts, examples, expect: str) -> None:
    assert main(["domains", "add", "mine", *_files(tmp_path, concepts, examples)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR UsageError: ") and expect in err[0], err
    assert _stored(ws) == []


def test_an_oversized_file_is_refused_before_it_is_read(ws: Path, tmp_path: Path, capsys,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from m2kt.domains import files

    monkeypatch.setattr(files, "MAX_DOMAIN_FILE_BYTES", 100)
    assert main(["domains", "add", "mine", *_files(tmp_path, GOOD_CONCEPTS,
                                                   _good_examples())]) == 2
    assert "the limit is 100" in capsys.readouterr().err and _stored(ws) == []


def test_names_that_exist_or_are_built_in_are_refused(ws: Path, tmp_path: Path, capsys) -> None:
    args = _files(tmp_path, GOOD_CONCEPTS, _good_examples())
    assert main(["domains", "add", "supersense", *args]) == 2
    assert "is a built-in task" in capsys.readouterr().err
    assert main(["domains", "add", "mine", *args]) == 0
    before = (ws / "domains" / "mine" / "domain.json").read_text()
    assert main(["domains", "add", "mine", *args]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (ws / "domains" / "mine" / "domain.json").read_text() == before
    assert main(["domains", "remove", "nothere"]) == 2


def test_markup_and_formula_labels_are_stored_as_written_and_shown_inert(
        ws: Path, tmp_path: Path, capsys) -> None:
    concepts = 'id,label\nup,<b>Up</b>\ndown,"=HYPERLINK(""http://e"",""x"")"\n'
    assert main(["domains", "add", "mine", *_files(tmp_path, concepts, _good_examples())]) == 0
    capsys.readouterr()
    assert main(["domains", "show", "mine"]) == 0
    out = capsys.readouterr().out
    assert "<b>Up</b>" in out and '=HYPERLINK("http://e","x")' in out  # plain text, verbatim
