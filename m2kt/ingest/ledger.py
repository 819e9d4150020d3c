"""The data ledger: every input either model processes during a transfer, by side."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Ledger:
    """``student_inputs``: inputs the student encodes (its own unlabelled inputs, anchors,
    trace queries, evaluation excluded); ``crossing_inputs``: inputs whose teacher-side
    per-example information reaches the student (packet anchors and trace queries);
    ``teacher_inputs``: what the teacher processed to build the packet (from its provenance)."""

    student_inputs: int = 0
    crossing_inputs: int = 0
    teacher_inputs: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
