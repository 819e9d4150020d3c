"""A user's domain from two files, checked before anything is stored (issue 17).

- ``concepts.csv`` — UTF-8, a header row; columns ``id`` and ``label`` required,
  ``description`` and ``parent`` (another row's ``id``: a reference hierarchy) optional.
- ``examples.jsonl`` — one JSON object per line, ``{"text": "...", "concept": "<id>"}``: the
  teacher's labelled data.

Both are untrusted. A problem with a whole file (too large, not UTF-8, a NUL byte, no header,
no ``id``/``label`` column) raises :class:`~m2kt.errors.UsageError` with one readable line; a
problem with a row is a :class:`Rejection` naming the file, the line and the reason, so a page
can list every one and the CLI can print them all before refusing the domain. Nothing here
writes anything. Text is kept exactly as given (labels carrying HTML, Markdown or a
spreadsheet formula included): pages show it as plain text and :func:`inert_cell` escapes it
for CSV export.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from m2kt.errors import UsageError
from m2kt.limits import MAX_LABEL_CHARS

#: the largest concepts.csv / examples.jsonl accepted, in bytes
MAX_DOMAIN_FILE_BYTES = 32 * 1024 * 1024
#: the longest line (a CSV row or a JSONL object), in characters
MAX_LINE_CHARS = 10_000
#: examples a concept needs: its share of teacher_train (≈ 70 %) must still hold a handful
MIN_EXAMPLES_PER_CONCEPT = 10
MAX_DOMAIN_CONCEPTS = 10_000
#: a domain's name: lower-case letters, digits, '-' and '_', starting with a letter
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


@dataclass(frozen=True)
class Rejection:
    """One refused row: ``file`` and 1-based ``line`` where it is, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


@dataclass(frozen=True)
class ConceptRow:
    id: str
    label: str
    description: str = ""
    parent: str = ""


@dataclass(frozen=True)
class ExampleRow:
    text: str
    concept: str
    line: int


def twin_key(s: str) -> str:
    """Identifiers that differ only by Unicode form or case are the same identifier."""
    return unicodedata.normalize("NFKC", s).casefold().strip()


def decode(data: bytes, name: str) -> str:
    """The UTF-8 text of an uploaded file (a leading BOM dropped), or a UsageError naming
    the first problem: size, a NUL byte, bytes that are not UTF-8 (with their line)."""
    if len(data) > MAX_DOMAIN_FILE_BYTES:
        raise UsageError(f"{name} is {len(data):,} bytes; the limit is "
                         f"{MAX_DOMAIN_FILE_BYTES:,}")
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise UsageError(f"{name} line {line}: contains a NUL byte (is it a binary file?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UsageError(f"{name} line {line}: not UTF-8 (byte {data[exc.start]:#04x}); "
                         "save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def _long_lines(text: str, name: str) -> dict[int, Rejection]:
    return {i: Rejection(name, i, f"line is {len(ln):,} characters; the limit is "
                                  f"{MAX_LINE_CHARS:,}")
            for i, ln in enumerate(text.split("\n"), 1) if len(ln) > MAX_LINE_CHARS}


def jsonl_text(line: str, name: str, i: int) -> str:
    """The non-empty string ``"text"`` of JSON line ``i`` of file ``name``; a UsageError
    naming the line otherwise (inputs files: ingest --inputs, build-packet --inputs-file)."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise UsageError(f"{name} line {i}: not valid JSON ({exc.msg} at column "
                         f"{getattr(exc, 'colno', '?')})") from None
    text = obj.get("text") if isinstance(obj, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{name} line {i}: needs a non-empty string \"text\"")
    return text.strip()


def parse_concepts(data: bytes, name: str = "concepts.csv"
                   ) -> tuple[list[ConceptRow], list[Rejection]]:
    """The accepted concept rows and the rejected ones (see module doc)."""
    text = decode(data, name)
    if not text.strip():
        raise UsageError(f"{name} is empty; it needs a header row with id and label")
    long = _long_lines(text, name)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise UsageError(f"{name} line 1: not a CSV header ({exc})") from None
    missing = [c for c in ("id", "label") if c not in header]
    if missing:
        raise UsageError(f"{name} line 1: the header needs columns id and label (missing "
                         f"{', '.join(missing)}; found {', '.join(header) or 'nothing'}); "
                         "is the header row there?")
    col = {c: header.index(c) for c in ("id", "label", "description", "parent") if c in header}
    rows: list[ConceptRow] = []
    bad: list[Rejection] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if line in long:
                bad.append(long[line])
                continue
            if not any(c.strip() for c in cells):
                continue  # blank line
            get = {k: (cells[i].strip() if i < len(cells) else "") for k, i in col.items()}
            reason = _concept_problem(get, seen)
            if reason:
                bad.append(Rejection(name, line, reason))
                continue
            seen[twin_key(get["id"])] = line
            rows.append(ConceptRow(get["id"], get["label"], get.get("description", ""),
                                   get.get("parent", "")))
    except csv.Error as exc:
        bad.append(Rejection(name, reader.line_num, f"not valid CSV ({exc})"))
    known = {twin_key(r.id) for r in rows}
    for r in rows:
        if r.parent and twin_key(r.parent) not in known:
            bad.append(Rejection(name, seen[twin_key(r.id)],
                                 f"parent {r.parent!r} is not an id of this file"))
    return rows, bad


def _concept_problem(get: dict[str, str], seen: dict[str, int]) -> str | None:
    cid, label = get["id"], get["label"]
    if not cid:
        return "empty id"
    if not label:
        return f"concept {cid!r} has an empty label"
    if any(unicodedata.category(ch).startswith("C") for ch in cid):
        return f"id {cid!r} contains a control character"
    if len(cid) > MAX_LABEL_CHARS or len(label) > MAX_LABEL_CHARS:
        return f"id and label are limited to {MAX_LABEL_CHARS} characters"
    if twin_key(cid) in seen:
        return (f"duplicate id {cid!r} (the same as line {seen[twin_key(cid)]} once case and "
                "Unicode form are ignored)")
    if len(seen) >= MAX_DOMAIN_CONCEPTS:
        return f"more than {MAX_DOMAIN_CONCEPTS:,} concepts"
    return None


def parse_examples(data: bytes, concept_ids: list[str], name: str = "examples.jsonl"
                   ) -> tuple[list[ExampleRow], list[Rejection]]:
    """The accepted example rows and the rejected ones; ``concept`` values are matched to
    ``concept_ids`` ignoring case and Unicode form and stored as the concept's own id."""
    text = decode(data, name)
    ids = {twin_key(c): c for c in concept_ids}
    long = _long_lines(text, name)
    rows: list[ExampleRow] = []
    bad: list[Rejection] = []
    for i, ln in enumerate(text.split("\n"), 1):
        if not ln.strip():
            continue
        if i in long:
            bad.append(long[i])
            continue
        try:
            obj = json.loads(ln)
        except ValueError as exc:
            bad.append(Rejection(name, i, f"not valid JSON ({exc.msg} at column "
                                          f"{getattr(exc, 'colno', '?')})"))
            continue
        reason = _example_problem(obj, ids)
        if reason:
            bad.append(Rejection(name, i, reason))
            continue
        rows.append(ExampleRow(obj["text"].strip(), ids[twin_key(obj["concept"])], i))
    return rows, bad


def _example_problem(obj: object, ids: dict[str, str]) -> str | None:
    if not isinstance(obj, dict):
        return 'each line must be one JSON object {"text": …, "concept": …}'
    text, concept = obj.get("text"), obj.get("concept")
    if not isinstance(text, str) or not isinstance(concept, str):
        return 'needs a string "text" and a string "concept"'
    if not text.strip():
        return "empty text"
    if twin_key(concept) not in ids:
        return f"unknown concept {concept!r} (not an id of concepts.csv)"
    return None


def check_domain(concepts: list[ConceptRow], examples: list[ExampleRow]) -> list[str]:
    """Whole-domain problems (one readable line each): fewer than two concepts, a concept
    with too few examples to train on."""
    problems = []
    if len(concepts) < 2:
        problems.append(f"a domain needs at least 2 concepts; concepts.csv has {len(concepts)}")
    counts = Counter(e.concept for e in examples)
    for c in concepts:
        if counts[c.id] < MIN_EXAMPLES_PER_CONCEPT:
            problems.append(f"concept {c.id!r} has {counts[c.id]} example(s); each concept needs "
                            f"at least {MIN_EXAMPLES_PER_CONCEPT} to train and test on")
    return problems


def check_name(name: str, taken: set[str], builtin: frozenset[str] = frozenset()) -> None:
    """A new domain's name: well formed, not a built-in task's and not taken."""
    if not NAME_RE.match(name):
        raise UsageError(f"domain name {name!r}: use 2–40 lower-case letters, digits, '-' or "
                         "'_', starting with a letter")
    if name in builtin:
        raise UsageError(f"{name!r} is a built-in task; choose another name for your domain")
    if name in taken:
        raise UsageError(f"a domain named {name!r} exists already; remove it first or choose "
                         "another name")


def inert_cell(text: str) -> str:
    """A cell safe to open in a spreadsheet: text that would start a formula gets a leading
    apostrophe (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
