"""The guided demo: the whole pipeline on the default models, as one function with progress.

teacher → packet (signed with the workspace's ``workbench`` key, put in the review queue) →
verification → approval (recorded in the audit log as the demo's automatic approval) →
ingestion → verification gates.  Returns the card figures, read from the engine's own
ingestion report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from m2kt.models.spec import Monotone, Progress, no_progress
from m2kt.verify.gates import status_of

if TYPE_CHECKING:
    from m2kt.domains.base import Task

#: the tasks the guided demo offers (Home page, ``python -m m2kt demo``)
DEMO_TASKS = ("supersense", "gloss", "hypernymy", "multistep")
STAGES = ("teacher", "packet", "review", "approval", "ingestion", "verification")
DEMO_REVIEWER = "guided demo (automatic approval)"
#: the demo's packet summarises this many of the teacher's own inputs (the benchmark and
#: ``build-packet`` use up to 20,000): a fifth of the teacher's encoding and readout fitting,
#: so a language demo finishes in about two minutes on 2 cores from an empty workspace
DEMO_MAX_INPUTS = 4000


def demo_words(task: Task) -> int:
    """The public words in the demo's packet of ``task``: the builder's default for the task
    (:func:`~m2kt.concepts.words.default_words`: 10,000 on the built-in language class tasks,
    0 on symbolic and pair tasks). The demo capped them at 2,000 while the relative readout's
    fit decomposed a (strings × strings) matrix; with its span found from a sample the
    builder's 10,000 cost the supersense demo ≈ 30 s more from an empty workspace
    (``scripts/bench_demo.py``, ``docs/results/perf/demo.json``)."""
    from m2kt.concepts.words import default_words

    return default_words(task)


def run_demo(task_name: str, anchors: int = 64, progress: Progress = no_progress,
             cancel: Callable[[], bool] = lambda: False,
             on_step: Callable[[int, dict[str, float]], None] | None = None) -> dict[str, Any]:
    from m2kt.bench.m2kt_run import bench_key
    from m2kt.concepts.teacher import load_teacher
    from m2kt.config import workspace
    from m2kt.domains.registry import get_task, recorded
    from m2kt.ingest.trainer import ingest
    from m2kt.packet.build import build_packet
    from m2kt.packet.reader import open_packet
    from m2kt.packet.trust import load_store, next_sequence
    from m2kt.store import audit
    from m2kt.store.db import open_db
    from m2kt.store.queue import save_packet_bytes
    from m2kt.verify.gates import pre_gates
    from m2kt.verify.policy import load_policy

    t0 = time.perf_counter()
    progress = Monotone(progress)
    progress(f"1/6 teacher: reading the {task_name} task", 0.0)
    ws = workspace()
    task = get_task(task_name)
    def stage(n: int, lo: float, hi: float) -> Progress:
        """Progress of stage ``n`` of 6: its own messages (counts, elapsed) within [lo, hi]."""
        def report(msg: str, frac: float | None = None) -> None:
            progress(f"{n}/6 {STAGES[n - 1]}: {msg}",
                     lo if frac is None else lo + (hi - lo) * frac)
        return report

    progress("1/6 teacher: loading it and its task head", 0.02)
    teacher = load_teacher(task, progress=stage(1, 0.02, 0.1))
    progress("2/6 packet: extracting manifolds, graph and traces from the teacher", 0.1)
    key = bench_key("workbench")
    conn = open_db(ws)
    try:
        seq = next_sequence(conn, key.keyid)
    finally:
        conn.close()
    tmp = ws.packets / f".demo-{task_name}.m2kt"
    built = build_packet(task, key, tmp, seq, teacher=teacher, anchors=anchors,
                         max_inputs=DEMO_MAX_INPUTS, relative_words=demo_words(task),
                         creator="guided demo",
                         progress=stage(2, 0.1, 0.35))
    data = tmp.read_bytes()
    tmp.unlink()
    path = save_packet_bytes(data)
    progress("3/6 review: the reader checks container, signature, trust, schema, semantics",
             0.35)
    conn = open_db(ws)
    try:
        packet = open_packet(data, load_store(), conn)
        progress("4/6 approval: recorded in the audit log", 0.4)
        audit.append(conn, packet.digest, "approved", DEMO_REVIEWER,
                     f"guided demo on {task_name}")
        pre = pre_gates(packet, conn, load_policy())
    finally:
        conn.close()
    out = ws.students / f"demo-{task_name}-{time.strftime('%Y%m%d-%H%M%S')}"

    def ingest_progress(msg: str, frac: float | None = None) -> None:
        progress(f"5/6 ingestion: {msg}", None if frac is None else 0.45 + 0.5 * frac)

    res = ingest(packet, out, progress=ingest_progress, cancel=cancel, on_step=on_step)
    conn = open_db(ws)
    try:
        audit.record_ingestion(conn, packet.digest, DEMO_REVIEWER, out,
                               [g.status for g in (*pre, *res.gates)])
    finally:
        conn.close()
    progress("6/6 verification: gates computed", 1.0)
    report = json.loads((out / "ingestion_report.json").read_text())
    split = report.get("eval_split", "dev")  # the split the card's accuracy is measured on
    teacher_acc = recorded().get(task_name, {}).get("teacher_acc_by_split", {}).get(split)
    return {
        "task": task_name, "student_dir": str(out), "packet": str(path),
        "packet_bytes": built.size, "digest": packet.digest,
        "teacher_inputs": built.counts.get("teacher_inputs"),
        "accuracy": report["accuracy"], "student_before": report["student_before"],
        "split": split,
        "teacher_acc": teacher_acc,
        "retention": report["accuracy"] / teacher_acc if teacher_acc else None,
        "ledger": report["ledger"], "gates": [*(g.as_dict() for g in pre), *report["gates"]],
        "passed": not any(status_of(g) == "fail" for g in report["gates"])
        and not any(g.failed for g in pre),
        # the whole demo's wall time (loading, building, review, ingestion, gates)
        "seconds": round(time.perf_counter() - t0, 1),
        "stage_seconds": {"packet": round(built.seconds, 1), "ingestion": round(res.seconds, 1)},
    }
