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
from typing import Any

from m2kt.domains.names import LANGUAGE_TASKS
from m2kt.models.spec import Monotone, Progress, no_progress

#: the tasks the guided demo offers (Home page, ``python -m m2kt demo``)
DEMO_TASKS = ("supersense", "gloss", "hypernymy", "multistep")
STAGES = ("teacher", "packet", "review", "approval", "ingestion", "verification")
DEMO_REVIEWER = "guided demo (automatic approval)"
#: the demo's packet summarises this many of the teacher's own inputs (the benchmark and
#: ``build-packet`` use up to 20,000): a fifth of the teacher's encoding and readout fitting,
#: so a language demo finishes in about two minutes on 2 cores from an empty workspace
DEMO_MAX_INPUTS = 4000


def run_demo(task_name: str, anchors: int | None = None, progress: Progress = no_progress,
             cancel: Callable[[], bool] = lambda: False,
             on_step: Callable[[int, dict[str, float]], None] | None = None) -> dict[str, Any]:
    """The whole pipeline on ``task_name`` with the default variant's packet (its anchor
    selection and public words; ``anchors``: default :func:`~m2kt.packet.build.
    default_anchors`); returns the result card: every figure read from the engine's own
    ingestion report, the packet's provenance, the verdict over every gate, what the
    committed benchmark report says of this task, and the longest wait between two progress
    messages."""
    from m2kt.models.spec import Recorder, ticking, within

    t0 = time.perf_counter()
    rec = Recorder(Monotone(progress))
    progress = rec
    def stage(n: int, lo: float, hi: float) -> Progress:
        """Stage ``n`` of 6, its own messages (counts, elapsed) within [lo, hi]."""
        return within(progress, lo, hi, f"{n}/6 {STAGES[n - 1]}: ")

    progress(f"1/6 teacher: reading the {task_name} task", 0.0)
    with ticking(progress, f"1/6 teacher: reading the {task_name} task", 0.0):
        from m2kt.bench.m2kt_run import bench_key
        from m2kt.bench.run import packet_words
        from m2kt.concepts.teacher import load_teacher
        from m2kt.config import workspace
        from m2kt.domains.registry import get_task, recorded
        from m2kt.ingest.trainer import ingest
        from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant
        from m2kt.packet.build import build_packet, default_anchors
        from m2kt.packet.reader import open_packet
        from m2kt.packet.trust import load_store, next_sequence
        from m2kt.store import audit
        from m2kt.store.db import open_db
        from m2kt.store.queue import save_packet_bytes
        from m2kt.verify.gates import pre_gates
        from m2kt.verify.policy import load_policy
        from m2kt.verify.verdict import verdict

        ws = workspace()
    if task_name in LANGUAGE_TASKS:
        # first use in a workspace reads the WordNet database: its parts are reported
        from m2kt.domains.wordnet import tables

        tables(stage(1, 0.0, 0.0))
    task = get_task(task_name)
    var = get_variant(DEFAULT_VARIANT)
    anchors = default_anchors(task) if anchors is None else anchors

    progress("1/6 teacher: loading it and its task head", 0.01)
    teacher = load_teacher(task, progress=stage(1, 0.01, 0.05))
    progress("2/6 packet: extracting manifolds, graph and traces from the teacher", 0.05)
    key = bench_key("workbench")
    conn = open_db(ws)
    try:
        seq = next_sequence(conn, key.keyid)
    finally:
        conn.close()
    tmp = ws.packets / f".demo-{task_name}.m2kt"
    built = build_packet(task, key, tmp, seq, teacher=teacher, anchors=anchors,
                         max_inputs=DEMO_MAX_INPUTS, relative_words=packet_words(task, var),
                         anchor_selection=var.anchor_selection, creator="guided demo",
                         progress=stage(2, 0.05, 0.45))
    data = tmp.read_bytes()
    tmp.unlink()
    path = save_packet_bytes(data)
    progress("3/6 review: the reader checks container, signature, trust, schema, semantics",
             0.45)
    conn = open_db(ws)
    try:
        packet = open_packet(data, load_store(), conn)
        progress("4/6 approval: recorded in the audit log", 0.47)
        audit.append(conn, packet.digest, "approved", DEMO_REVIEWER,
                     f"guided demo on {task_name}")
        pre = pre_gates(packet, conn, load_policy())
    finally:
        conn.close()
    out = ws.students / f"demo-{task_name}-{time.strftime('%Y%m%d-%H%M%S')}"
    res = ingest(packet, out, progress=stage(5, 0.48, 0.98), cancel=cancel, on_step=on_step,
                 pre_gates=pre)
    conn = open_db(ws)
    try:
        audit.record_ingestion(conn, packet.digest, DEMO_REVIEWER, out,
                               [g.status for g in res.gates])
    finally:
        conn.close()
    progress("6/6 verification: every gate computed", 1.0)
    report = json.loads((out / "ingestion_report.json").read_text())
    split = report.get("eval_split", "dev")  # the split the card's accuracy is measured on
    teacher_acc = recorded().get(task_name, {}).get("teacher_acc_by_split", {}).get(split)
    gates = report["gates"]  # the pre-ingestion gates first, then the student's
    prov = packet.manifest.provenance
    return {
        "task": task_name, "variant": report["variant"], "student_dir": str(out),
        "packet": str(path), "packet_bytes": built.size, "digest": packet.digest,
        # what the teacher read: its own inputs the manifolds summarise, and in all
        "teacher_read": prov.recipe.params.get("inputs_read"),
        "teacher_inputs": prov.counts.teacher_inputs + prov.counts.probe_inputs,
        "accuracy": report["accuracy"], "student_before": report["student_before"],
        "split": split, "teacher_acc": teacher_acc,
        "retention": report["accuracy"] / teacher_acc if teacher_acc else None,
        "ledger": report["ledger"], "gates": gates, "verdict": verdict(gates),
        "passed": verdict(gates)["deploy"],
        "benchmark": benchmark_context(task_name),
        # the whole demo's wall time (loading, building, review, ingestion, gates)
        "seconds": round(time.perf_counter() - t0, 1),
        "stage_seconds": {"packet": round(built.seconds, 1), "ingestion": round(res.seconds, 1)},
        "longest_silence_s": round(rec.gaps(1)[0][0], 1) if len(rec.updates) > 1 else None,
    }


def benchmark_context(task_name: str) -> dict[str, Any] | None:
    """What the committed benchmark report of the default pair says of ``task_name``: M2KT's
    accuracy and crossing strings there, what the strongest KD needs for that accuracy, the
    reduction, the report's split and path (None when no committed report covers the task).
    Figures from the report itself, never mixed with this run's."""
    from pathlib import Path

    from m2kt.bench.report import COMMITTED_REPORTS

    root = Path(__file__).resolve().parents[1]
    for rel in COMMITTED_REPORTS.values():
        try:
            doc = json.loads((root / rel).read_text())
        except (OSError, ValueError):
            continue
        t = (doc.get("tasks") or {}).get(task_name)
        if not t or (doc.get("meta") or {}).get("teacher"):
            continue  # the default pair's reports only
        m = t["methods"]["m2kt"]
        return {"report": rel, "split": t.get("split"), "seeds": len(m.get("accs", [])),
                "m2kt": m["acc"], "crossing": m["ledger"]["crossing_inputs"],
                "kd_parity": t.get("kd_parity_inputs"),
                "reduction": t.get("data_reduction_at_parity"),
                "ceiling": t["methods"]["kd_full"]["acc"],
                "valid": (t.get("validity") or {}).get("valid")}
    return None


def verdict_lines(r: dict[str, Any]) -> list[str]:
    """The result card of :func:`run_demo` as plain lines (the CLI prints them; the Home page
    shows the same figures from the same dict)."""
    def f3(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    v, led = r["verdict"], r["ledger"]
    lines = [f"Result: {r['task']} — the new student answers alone ({r['split']} split)",
             f"  VERDICT: {v['label'].upper()} — gates {v['summary']}"
             + (f"; failed: {'; '.join(v['failed'])}" if v["failed"] else "")]
    if (r["accuracy"] is not None and r["student_before"] is not None
            and r["accuracy"] < r["student_before"]):
        lines.append(f"  BELOW ITS START: {r['accuracy']:.3f} < {r['student_before']:.3f} — "
                     "keep the original student")
    ret = "—" if r["retention"] is None else f"{r['retention']:.0%}"
    lines += [f"  accuracy {f3(r['accuracy'])} (start {f3(r['student_before'])}, teacher "
              f"{f3(r['teacher_acc'])}); retention of the teacher {ret}",
              f"  crossed: {led['crossing_inputs']:,} strings (the teacher read "
              f"{led['to_teacher']:,} of the student's; the packet carries teacher information "
              f"on {led['task_strings']:,}), {led['bytes']:,} bytes"]
    b = r.get("benchmark")
    if b and b.get("kd_parity") is not None:
        red = "" if b["reduction"] is None else f" ({b['reduction']:+.0%} less data)"
        lines.append(f"  benchmark ({b['report']}, {b['split']}, {b['seeds']} seeds): M2KT "
                     f"{b['m2kt']:.3f} with {b['crossing']:,} crossing strings; the strongest "
                     f"KD needs {b['kd_parity']:,.0f} for that accuracy{red}")
    elif b:
        lines.append(f"  benchmark ({b['report']}, {b['split']}): M2KT {b['m2kt']:.3f} with "
                     f"{b['crossing']:,} crossing strings; no KD parity")
    lines += [f"  packet {r['digest'][:16]}… ({r['packet_bytes']:,} bytes; its manifolds "
              f"summarise {r.get('teacher_read') or 0:,} of the teacher's own inputs, and the "
              f"teacher read {r['teacher_inputs']:,} strings in all) in the review queue; "
              f"student at {r['student_dir']}",
              f"  {r['seconds']:.0f} s in all; the longest wait between two progress messages "
              f"{r['longest_silence_s']} s"]
    for g in r["gates"]:
        if g.get("status") == "fail":
            lines.append(f"  FAILED gate {g['name']}: {g.get('detail', '')}")
    return lines
