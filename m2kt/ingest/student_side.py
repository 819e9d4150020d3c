"""The student side's view of a domain, from the packet and the student's own files (issue 17).

A packet describes its domain itself — concept ids, labels, descriptions, the task kind
(class or pair), the track, the student it was meant for, the teacher's concept prior — so
ingestion never looks the domain up in a workspace: :func:`student_task` builds the
:class:`~m2kt.domains.base.Task` the stages read from the packet alone, plus

- ``inputs``: the student's own unlabelled texts (a file: one text per line, or JSONL objects
  with a ``"text"``) — its ``transfer_pool``;
- ``eval_examples``: optional labelled examples (JSONL ``{"text", "concept"}``) to score the new
  student on after every weight is fixed — its split :data:`EVAL_SPLIT`.

A built-in task (its name among the generators in :mod:`m2kt.domains.registry`, with the same
concepts) keeps its generated ``transfer_pool``, ``dev`` and ``test`` unless files are given: the
generators are code, not workspace state. Any other packet needs ``inputs``.

Every file is untrusted and checked as :mod:`m2kt.domains.files` checks a domain's files (size
cap, NUL bytes, UTF-8, line length); a problem is one readable :class:`UsageError` line.
"""

from __future__ import annotations

from pathlib import Path

from m2kt.domains.base import Concept, Example, Task
from m2kt.domains.custom import DEFAULT_STUDENT
from m2kt.domains.files import (
    MAX_DOMAIN_FILE_BYTES,
    MAX_LINE_CHARS,
    decode,
    jsonl_text,
    parse_examples,
)
from m2kt.errors import UsageError
from m2kt.ingest.readout import PAIR_TASKS
from m2kt.packet.reader import VerifiedPacket

#: the split name of examples given with ``--eval``
EVAL_SPLIT = "eval"
#: the most unlabelled inputs read from one ``--inputs`` file
MAX_INPUTS = 200_000


def read_bytes(path: Path, what: str) -> bytes:
    """A user's file, refused with one line if missing, not a file or over the size cap."""
    if not path.is_file():
        raise UsageError(f"{what} {path}: no such file")
    size = path.stat().st_size
    if size > MAX_DOMAIN_FILE_BYTES:
        raise UsageError(f"{what} {path} is {size:,} bytes; the limit is "
                         f"{MAX_DOMAIN_FILE_BYTES:,}")
    return path.read_bytes()


def parse_inputs(data: bytes, name: str) -> list[str]:
    """Unlabelled texts (n,) from a file: one per line, or — when every non-blank line is a
    JSON object — JSONL with a string ``"text"``. Blank lines are skipped; a line over
    MAX_LINE_CHARS, a JSON line without text, fewer than one text or more than MAX_INPUTS
    is a UsageError naming the line."""
    lines = decode(data, name).split("\n")
    rows = [(i, ln.rstrip("\r")) for i, ln in enumerate(lines, 1) if ln.strip()]
    jsonl = bool(rows) and all(ln.lstrip().startswith("{") for _, ln in rows)
    texts = []
    for i, ln in rows:
        if len(ln) > MAX_LINE_CHARS:
            raise UsageError(f"{name} line {i}: {len(ln):,} characters; the limit is "
                             f"{MAX_LINE_CHARS:,}")
        text = jsonl_text(ln, name, i) if jsonl else ln.strip()
        texts.append(text)
    if not texts:
        raise UsageError(f"{name} holds no text (one input per line, or JSONL with \"text\")")
    if len(texts) > MAX_INPUTS:
        raise UsageError(f"{name} holds {len(texts):,} inputs; the limit is {MAX_INPUTS:,}")
    return texts


def read_labelled(path: Path, concept_ids: list[str]) -> list[Example]:
    """Labelled examples (JSONL ``{"text", "concept"}``) against the packet's concepts; the
    first refused line is the error (with how many more there are)."""
    rows, bad = parse_examples(read_bytes(path, "examples file"), concept_ids, path.name)
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise UsageError(f"{bad[0]}{more}")
    if not rows:
        raise UsageError(f"{path.name} holds no examples")
    index = {c: i for i, c in enumerate(concept_ids)}
    return [Example(text=r.text, label=index[r.concept], key=r.text) for r in rows]


def student_files(packet: VerifiedPacket, inputs: Path | None = None,
                  eval_examples: Path | None = None
                  ) -> tuple[list[str] | None, list[Example] | None]:
    """The student's files read and checked against the packet — its unlabelled texts and
    labelled examples, ``None`` where not given — without building any task: what a page
    checks before it starts an ingestion job. A user's domain without ``inputs``, or
    ``inputs`` for a pair task, is a UsageError."""
    from m2kt.domains.registry import TASK_BUILDERS

    m = packet.manifest
    dom = m.provenance.domain
    if dom.task not in TASK_BUILDERS and inputs is None:
        raise UsageError(f"the packet's domain {dom.task!r} is not a built-in task: give the "
                         "student's own unlabelled texts (ingest --inputs FILE, or the upload "
                         "on Align & Ingest; one per line, or JSONL with \"text\")")
    pair = dom.kind == "pair" or dom.task in PAIR_TASKS  # packets older than ``kind`` too
    if inputs is not None and pair:
        raise UsageError(f"{dom.task!r} asks about (input, concept) pairs; --inputs takes "
                         "class domains only (pair tasks use their built-in pool)")
    texts = (parse_inputs(read_bytes(inputs, "inputs file"), inputs.name)
             if inputs is not None else None)
    labelled = (read_labelled(eval_examples, list(m.labels))
                if eval_examples is not None else None)
    return texts, labelled


def student_task(packet: VerifiedPacket, inputs: Path | None = None,
                 eval_examples: Path | None = None) -> Task:
    """The task the ingestion stages read (see module doc)."""
    m = packet.manifest
    dom = m.provenance.domain
    texts, labelled = student_files(packet, inputs, eval_examples)
    base = _builtin(packet)
    splits = dict(base.splits) if base is not None else {}
    if texts is not None:
        splits["transfer_pool"] = tuple(Example(text=t, label=-1, key=t) for t in texts)
    if labelled is not None:
        splits[EVAL_SPLIT] = tuple(labelled)
    concepts = tuple(Concept(c.id, c.label, c.kind, c.description) for c in m.concepts)
    return Task(name=dom.task, track=dom.track, description=dom.description,
                labels=tuple(m.labels), concepts=concepts, splits=splits,
                teacher=m.provenance.teacher.name,
                student=dom.student or (base.student if base is not None else DEFAULT_STUDENT),
                seed=dom.seed, reference=None if base is None else base.reference,
                step_labels=() if base is None else base.step_labels, params=dict(dom.params))


def _builtin(packet: VerifiedPacket) -> Task | None:
    """The built-in task the packet names, generated from code — or None for a user's
    domain. A packet naming a built-in task with other concepts is refused."""
    from m2kt.domains import registry

    dom = packet.manifest.provenance.domain
    if dom.task not in registry.TASK_BUILDERS:  # never a user's domain of this workspace
        return None
    # through the registry's get_task (which builds a built-in name from code), so that a
    # test patching it — shuffled or sealed splits — reaches ingestion too
    task = registry.get_task(dom.task, seed=dom.seed, **dict(dom.params))
    if tuple(task.labels) != tuple(packet.manifest.labels):
        raise UsageError(f"the packet names the built-in task {dom.task!r} but carries other "
                         "concepts; refusing to mix them")
    return task
