"""The ``m2kt`` method of the benchmark: teacher → signed packet → verification → approval
(recorded as automatic, by the bench policy) → ingestion → the new student alone on ``test``.

Packets are signed with the workspace's bench key (``$M2KT_HOME/keys/bench``, created and
trusted on first use) and every approval is written to the workspace audit log with reviewer
``bench policy (automatic)``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m2kt.concepts.teacher import Teacher
from m2kt.config import workspace
from m2kt.domains.base import Example, Task
from m2kt.errors import GateFailure, ReplayError
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.reader import VerifiedPacket

BENCH_REVIEWER = "bench policy (automatic)"


@dataclass(frozen=True)
class BuiltPacket:
    """A verified, approved packet; ``anchors``: the inputs whose teacher vectors it carries."""

    packet: VerifiedPacket
    path: Path
    size: int
    seconds: float
    anchors: tuple[Example, ...] = ()


def bench_key(name: str = "bench"):
    """The workspace's signing key ``name`` (``bench``, ``workbench``), created under
    ``$M2KT_HOME/keys/NAME`` and trusted once."""
    from m2kt.packet.signing import PEM_PRIVATE, PEM_PUBLIC, keygen, load_signing_key
    from m2kt.packet.trust import load_store, trust_key

    d = workspace().keys / name
    if not (d / PEM_PRIVATE).is_file():
        keygen(d)
    key = load_signing_key(d / PEM_PRIVATE)
    if key.keyid not in load_store().keys:
        trust_key(d / PEM_PUBLIC, name=f"m2kt {name}")
    return key


def bench_atlas(model: str, k: int, progress: Progress = no_progress):
    """The bench's atlas of ``model`` over ``k`` strings (:mod:`m2kt.atlas`), signed with the
    bench key: built once into the workspace (``atlases/MODEL-K.m2kt-atlas``) and read back
    through the reader's checks on every later call (every Ray worker reads the same file)."""
    from m2kt.atlas import build_atlas, read_atlas
    from m2kt.packet.trust import load_store
    from m2kt.packet.writer import write_atomic

    path = workspace().root / "atlases" / f"{model}-{k}.m2kt-atlas"
    if not path.is_file():
        write_atomic(path, build_atlas(model, k, bench_key(), progress=progress))
    return read_atlas(path, load_store())


def approve_built(make: Callable[[Callable[[], int]], Any], path: Path, reason: str
                  ) -> tuple[VerifiedPacket, Any]:
    """Write a packet with ``make(sequence)`` (``sequence()`` reserves the bench key's next
    number when called, at signing time) to ``path``, verify it like any packet and record the
    bench policy's approval with ``reason`` in the audit log. Returns the verified packet and
    what ``make`` returned."""
    from m2kt.packet.reader import open_packet
    from m2kt.packet.trust import load_store, next_sequence
    from m2kt.store import audit
    from m2kt.store.db import open_db

    key = bench_key()
    conn = open_db(workspace())
    try:
        for attempt in range(3):
            # another process using this workspace may accept a newer sequence number between
            # this packet's reservation and its reading: the reader then refuses it as a
            # replay. The number is reserved when the packet is signed (the window is the
            # write and the read), and on a clash the packet is rebuilt
            made = make(lambda: next_sequence(conn, key.keyid))
            try:
                p = open_packet(path, load_store(), conn)
                break
            except ReplayError:
                if attempt == 2:
                    raise
        audit.append(conn, p.digest, "approved", BENCH_REVIEWER, reason)
    finally:
        conn.close()
    return p, made


def build_and_approve(task: Task, teacher: Teacher, anchors: int, out_dir: Path,
                      progress: Progress = no_progress,
                      anchor_selection: str = "random", seed: int = 0,
                      relative_words: int = 0, graph_method: str = "auto",
                      relative_l2: float | None = None, tag: str = "",
                      atlas=None) -> BuiltPacket:
    """Build a packet with ``anchors`` anchors drawn with ``seed`` into ``out_dir``, verify it
    like any packet, and record the bench policy's approval in the audit log.
    ``relative_words``, ``relative_l2``: :func:`m2kt.packet.build.build_packet`'s.
    ``anchor_selection`` ``student-kmeans``: the student side chooses the anchors on its own
    pool (:func:`m2kt.packet.build.student_anchors`) and sends them. ``tag``: a name part
    (e.g. a control's). ``atlas``: the teacher's atlas the packet leans on — then the packet
    carries no anchor, trace or relative readout (zero task strings)."""
    from m2kt.packet.build import build_packet, student_anchors

    chosen = (student_anchors(task, anchors, seed) if anchor_selection == "student-kmeans"
              else None)
    l2 = "" if relative_l2 is None else f"-l2{relative_l2:g}"
    path = (out_dir / f"{task.name}-a{anchors}-s{seed}-w{relative_words}{l2}"
            f"-g{graph_method}{tag}.m2kt")

    zero = atlas is not None  # an atlas packet: no anchor, trace or reference string
    if zero:
        anchors, chosen = 0, None
        path = path.with_name(f"{path.stem}-atlas{len(atlas.strings)}.m2kt")

    def make(sequence: Callable[[], int]):
        return build_packet(task, key, path, sequence, teacher=teacher, anchors=anchors,
                            creator="m2kt bench", progress=progress,
                            anchor_selection=anchor_selection, anchor_seed=seed,
                            relative_words=relative_words, graph_method=graph_method,
                            relative_l2=relative_l2, anchor_inputs=chosen, atlas=atlas,
                            n_traces=0 if zero else 24, relative_readout=not zero)

    key = bench_key()
    p, res = approve_built(make, path, f"benchmark run{tag}, {task.name}, {anchors} anchors, "
                                       f"seed {seed}")
    return BuiltPacket(p, path, res.size, res.seconds, res.anchors)


def ingest_approved(built: BuiltPacket, seed: int, progress: Progress = no_progress,
                    **kwargs):
    """Check the pre-ingestion gates (approval included) and ingest into a temporary folder.

    Returns the :class:`~m2kt.ingest.trainer.IngestResult` (accuracy on the evaluation split
    ``kwargs["eval_split"]``, ingestion's default ``dev`` otherwise)."""
    from m2kt.ingest.trainer import ingest
    from m2kt.store.db import open_db
    from m2kt.verify.gates import pre_gates
    from m2kt.verify.policy import load_policy

    policy = load_policy()
    conn = open_db(workspace())
    try:
        pre = pre_gates(built.packet, conn, policy)
    finally:
        conn.close()
    if any(g.failed for g in pre):
        raise GateFailure("bench: a pre-ingestion gate failed: "
                          + ", ".join(g.name for g in pre if g.failed))
    with tempfile.TemporaryDirectory(prefix="m2kt-bench-") as tmp:
        return ingest(built.packet, Path(tmp) / "student", seed=seed, policy=policy,
                      progress=progress, pre_gates=pre, **kwargs)
