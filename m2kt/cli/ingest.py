"""``python -m m2kt`` — ingestion: an approved packet into a new student, and the student
alone answering."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from m2kt.cli._common import progress, trust
from m2kt.demo import DEMO_TASKS
from m2kt.ingest.variants import DEFAULT_VARIANT, VARIANTS


def cmd_ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.config import workspace
    from m2kt.errors import GateFailure
    from m2kt.ingest.trainer import ingest
    from m2kt.packet.reader import open_packet
    from m2kt.store import audit
    from m2kt.store.db import open_db
    from m2kt.verify.gates import pre_gates, table
    from m2kt.verify.policy import load_policy

    policy = load_policy(Path(args.policy) if args.policy else None)
    conn = open_db(workspace())
    try:
        p = open_packet(Path(args.file), trust(args.trust), conn)
        pre = pre_gates(p, conn, policy)
        if any(g.failed for g in pre):
            print(table(pre), file=sys.stderr)
            if not pre[1].passed:
                d = audit.decision(conn, p.digest)
                why = (f"it was rejected by {d.reviewer}" if d and d.action == "rejected"
                       else "it has not been approved")
                raise GateFailure(f"refusing to ingest packet {p.digest[:16]}…: {why}; review "
                                  "it, then `python -m m2kt approve FILE --reviewer NAME "
                                  "--reason TEXT`")
            raise GateFailure(f"refusing to ingest packet {p.digest[:16]}…: a pre-ingestion "
                              "gate failed")
        weights = {t: 0.0 for t in (args.ablate or [])}
        res = ingest(p, Path(args.out), student=args.student, method=args.method, seed=args.seed,
                     weights=weights, steps=args.steps, policy=policy, progress=progress,
                     variant=args.variant)
        audit.record_ingestion(conn, p.digest, "m2kt ingest", args.out,
                               [g.status for g in res.gates])
    finally:
        conn.close()
    print(table(pre + res.gates))
    print(f"student written to {res.out_dir}; ledger {res.ledger.as_dict()}; "
          f"{res.seconds:.1f} s")
    if res.accuracy is not None:
        start = "unknown" if res.student_before is None else f"{res.student_before:.3f}"
        print(f"held-out {res.extra.get('eval_split', 'dev')} accuracy {res.accuracy:.3f} "
              f"(student's start {start})")
    if not res.passed:
        failed = ", ".join(g.name for g in res.gates if g.failed)
        raise GateFailure(f"post-ingestion gate(s) failed: {failed}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from m2kt.ingest.student import load_student

    st = load_student(args.model)
    answers = st.answer(args.text, query=args.query)
    if args.json:
        print(json.dumps({"task": st.meta["task"], "answers": dict(zip(args.text, answers,
                                                                      strict=True))}))
        return 0
    for t, a in zip(args.text, answers, strict=True):
        print(f"{t}\t{a}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The workbench's guided demo in a terminal: the whole pipeline, then the result card."""
    from m2kt.demo import run_demo
    from m2kt.verify.gates import status_of
    from m2kt.verify.gates import summary as gate_summary

    r = run_demo(args.task, args.anchors, progress)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0 if r["passed"] else 1
    start = "—" if r["student_before"] is None else f"{r['student_before']:.3f}"
    teacher = "—" if r["teacher_acc"] is None else f"{r['teacher_acc']:.3f}"
    retention = "—" if r["retention"] is None else f"{r['retention']:.0%}"
    print(f"Result: {r['task']} — the new student answers alone ({r['split']} split)\n"
          f"  accuracy {r['accuracy']:.3f} (start {start}, teacher {teacher}); "
          f"retention of the teacher {retention}\n"
          f"  inputs that crossed {r['ledger']['crossing_inputs']}; post-ingestion gates "
          f"{gate_summary([status_of(g) for g in r['gates'] if g.get('stage') == 'post'])}"
          f" (before ingestion "
          f"{gate_summary([status_of(g) for g in r['gates'] if g.get('stage') != 'post'])})\n"
          f"  packet {r['digest'][:16]}… ({r['packet_bytes']:,} bytes; the teacher processed "
          f"{r['teacher_inputs']:,} inputs, teacher-side) in the review queue; "
          f"student at {r['student_dir']}\n"
          f"  {r['seconds']:.0f} s in all")
    for g in r["gates"]:
        if status_of(g) == "fail":
            print(f"  FAILED gate {g['name']}: {g.get('detail', '')}")
    return 0 if r["passed"] else 1


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    ig = sub.add_parser("ingest", help="ingest an approved packet into a new student")
    ig.add_argument("file")
    ig.add_argument("--out", required=True, help="new student directory")
    ig.add_argument("--student", default=None, help="default: the domain's own student")
    ig.add_argument("--method", default="auto", choices=["auto", "ridge", "procrustes", "cal"],
                    help="initial CAL map (auto: cross-validated on the packet's anchors)")
    ig.add_argument("--seed", type=int, default=0)
    ig.add_argument("--steps", type=int, default=None,
                    help="composite-loss steps (default: the variant's)")
    ig.add_argument("--variant", default=DEFAULT_VARIANT, choices=list(VARIANTS),
                    help=f"method variant (default {DEFAULT_VARIANT}): "
                    + " | ".join(VARIANTS))
    ig.add_argument("--ablate", nargs="*", choices=["geo", "struct", "reason", "safe"],
                    help="switch loss terms off")
    ig.add_argument("--policy", default=None, help="safety policy JSON")
    ig.add_argument("--trust", default=None)
    ig.set_defaults(func=cmd_ingest)

    pr = sub.add_parser("predict", help="the (ingested) student alone answers")
    pr.add_argument("--model", required=True, help="ingested student directory or name")
    pr.add_argument("--query", default=None, help="concept id asked about (pair tasks)")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("text", nargs="+")
    pr.set_defaults(func=cmd_predict)

    dm = sub.add_parser("demo", help="the guided demo in the terminal: teacher → packet → "
                        "review → approval → ingestion → gates, then the result card")
    dm.add_argument("--task", default=DEMO_TASKS[0], choices=list(DEMO_TASKS),
                    help=f"default {DEMO_TASKS[0]} (as on the Home page)")
    dm.add_argument("--anchors", type=int, default=64)
    dm.add_argument("--json", action="store_true")
    dm.set_defaults(func=cmd_demo)
