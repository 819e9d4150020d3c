"""The data ledger of BENCHMARK v3: every string for which per-string information passes
between the teacher's side and the student's side, in either direction, and the bytes.

Fields (:class:`Ledger`):

- ``to_teacher`` — student-side strings the teacher reads (pool inputs sent for anchor
  selection or as trace queries; every KD input);
- ``task_strings`` — strings for which *task-specific* teacher information reaches the
  student: an answer, a vector of a task input, a trace (and every string a trace step
  answers), or any per-string quantity computable from the teacher and the task head — a
  readout column over a reference string's similarity profile counts that string;
- ``atlas_strings`` — public strings whose task-independent teacher vectors reach the student
  (an atlas built without any task), counted once per teacher; reported apart;
- ``crossing_inputs`` — ``|to_teacher ∪ task_strings|``, the figure parity uses;
- ``bytes`` — everything that crosses: a packet's file plus the texts sent to the teacher; for
  KD the texts and float32 answers (and the class histogram when an arm uses it);
- ``student_inputs`` / ``teacher_inputs`` — what each side processes (not crossing).

:func:`packet_strings` enumerates a packet's task strings from its members alone (what any
reader of the file can list); :func:`packet_ledger` adds the teacher side's own record of what
it read (the provenance's ``to_teacher`` counts). :func:`kd_ledger` is a KD arm's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

#: the ledger fields every arm and every ingestion reports, in order
FIELDS = ("to_teacher", "task_strings", "atlas_strings", "crossing_inputs", "bytes",
          "student_inputs", "teacher_inputs")


@dataclass
class Ledger:
    """See module doc. Mutable: ingestion's stages fill in the student side."""

    to_teacher: int = 0
    task_strings: int = 0
    atlas_strings: int = 0
    crossing_inputs: int = 0
    bytes: int = 0
    student_inputs: int = 0
    teacher_inputs: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def hop_prefixes(query: str, hops: int) -> list[str]:
    """The strings a multistep trace's hop steps answer: the prefix ``v0 op1 v1 … op_i v_i``
    of ``query`` for i = 1 … ``hops``."""
    words = query.split()
    return [" ".join(words[:2 * i + 1]) for i in range(1, hops + 1)]


def trace_strings(traces: Iterable[Any]) -> list[str]:
    """Every string the packet's traces carry teacher information for: each trace's query and,
    for each ``hop i`` step, the query's prefix of i hops (:func:`hop_prefixes`), and every
    sub-problem a step answers (its ``input``: reasoning-track traces)."""
    out: list[str] = []
    for t in traces:
        out.append(t.query)
        hops = sum(1 for s in t.steps if s.stage.startswith("hop "))
        out += hop_prefixes(t.query, hops)
        out += [s.input for s in t.steps if getattr(s, "input", None)]
    return out


def reference_strings(packet: Any) -> list[str]:
    """The strings the packet's relative readout measures profiles against (its columns read
    one per string, so each carries a per-string projection of the teacher's vector): the
    concepts' labels, then the public words (class tasks); the labels alone (pair tasks).
    Empty when the packet has no relative readout."""
    w = packet.tensors.get("relative.weight")
    if w is None:
        return []
    labels = [c.label for c in packet.manifest.concepts]
    return [*labels, *packet.anchors.words]


def packet_strings(packet: Any) -> dict[str, list[str]]:
    """A packet's task strings by member, enumerated from its contents alone: ``anchors``
    (texts whose teacher vectors the ``anchors`` tensor holds), ``traces``
    (:func:`trace_strings`), ``relative`` (:func:`reference_strings`)."""
    anchors = list(packet.anchors.texts) if "anchors" in packet.tensors else []
    return {"anchors": anchors, "traces": trace_strings(packet.traces.traces),
            "relative": reference_strings(packet)}


def distinct(groups: Iterable[Sequence[str]]) -> set[str]:
    """The distinct strings of every group together."""
    out: set[str] = set()
    for g in groups:
        out.update(g)
    return out


def packet_ledger(packet: Any, file_bytes: int | None = None, atlas: Any = None) -> Ledger:
    """The ledger of a verified packet (:class:`~m2kt.packet.reader.VerifiedPacket`): its task
    strings counted from its members (:func:`packet_strings`), ``to_teacher`` and its overlap
    with those strings from the teacher side's record in the provenance, bytes the file's plus
    the texts the teacher was sent. A packet made before that record existed counts its
    anchors as sent (and its teacher reading the pool, when its recipe says so, unknown:
    ``to_teacher`` then counts the anchors only). ``atlas``: the atlas an ingestion reads with
    the packet (:class:`~m2kt.atlas.Atlas`): its strings count as ``atlas_strings`` (apart from
    the task's) and its bytes join the packet's."""
    counts = packet.manifest.provenance.counts
    task = distinct(packet_strings(packet).values())
    to_teacher = counts.to_teacher if counts.to_teacher is not None else counts.anchor_inputs
    overlap = (counts.to_teacher_overlap if counts.to_teacher_overlap is not None
               else min(counts.anchor_inputs, to_teacher))
    size = packet.size if file_bytes is None else file_bytes
    return Ledger(to_teacher=to_teacher, task_strings=len(task),
                  atlas_strings=0 if atlas is None else len(atlas.strings),
                  crossing_inputs=to_teacher + len(task) - overlap,
                  bytes=size + (counts.to_teacher_bytes or 0)
                  + (0 if atlas is None else atlas.size),
                  teacher_inputs=counts.teacher_inputs + counts.probe_inputs)


def text_bytes(texts: Iterable[str]) -> int:
    """UTF-8 bytes of ``texts``."""
    return sum(len(t.encode()) for t in texts)


def kd_ledger(inputs: Sequence[str], n_labels: int, words: Sequence[str] = (),
              pool: int = 0, prior: bool = False, extra_student: int = 0) -> Ledger:
    """A KD arm's ledger: the teacher reads ``inputs`` (student-side strings) and answers them
    and ``words`` (public strings it reads itself), every answer a float32 distribution over
    ``n_labels``; ``pool``: student-side inputs the student also reads (not crossing);
    ``prior``: the arm also uses the teacher's class histogram (``n_labels`` floats, no
    string); ``extra_student``: other strings the student encodes (e.g. concept names)."""
    task = distinct([inputs, words])
    n_answers = len(task)
    return Ledger(to_teacher=len(set(inputs)), task_strings=len(task), atlas_strings=0,
                  crossing_inputs=len(task),
                  bytes=text_bytes(inputs) + text_bytes(words) + 4 * n_labels * n_answers
                  + (4 * n_labels if prior else 0),
                  student_inputs=len(task) + pool + extra_student, teacher_inputs=n_answers)
