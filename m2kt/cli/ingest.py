"""``python -m m2kt`` — ingestion: an approved packet into a new student, and the student
alone answering."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from m2kt.cli._common import progress, trust
from m2kt.demo import DEMO_TASKS
from m2kt.ingest.variants import DEFAULT_VARIANT, PUBLIC, all_variants


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
                     variant=args.variant, inputs=Path(args.inputs) if args.inputs else None,
                     eval_examples=Path(args.eval) if args.eval else None, force=args.force,
                     pre_gates=pre, atlas=_atlas(args))
        audit.record_ingestion(conn, p.digest, "m2kt ingest", args.out,
                               [g.status for g in res.gates])
    finally:
        conn.close()
    from m2kt.verify.verdict import verdict

    print(table(res.gates))  # the pre-ingestion gates first, then the student's
    v = verdict(res.gates)
    led = res.ledger
    print(f"student written to {res.out_dir} in {res.seconds:.1f} s\n"
          f"crossed: {led.crossing_inputs:,} strings (the teacher read {led.to_teacher:,} of "
          f"the student's; the packet carries teacher information for {led.task_strings:,})"
          + (f", and the atlas {led.atlas_strings:,} task-independent strings"
             if led.atlas_strings else "") + ", "
          f"{led.bytes:,} bytes; the student read {led.student_inputs:,} inputs of its own")
    if res.accuracy is not None:
        start = "unknown" if res.student_before is None else f"{res.student_before:.3f}"
        print(f"held-out {res.extra.get('eval_split', 'dev')} accuracy {res.accuracy:.3f} "
              f"(student's start {start})")
    print(f"VERDICT: {v['label'].upper()} — gates {v['summary']}"
          + (f"; failed: {', '.join(v['failed'])}" if v["failed"] else ""))
    if not res.passed:
        failed = ", ".join(g.name for g in res.gates if g.failed)
        raise GateFailure(f"post-ingestion gate(s) failed: {failed}")
    return 0


def _atlas(args: argparse.Namespace):
    """The atlas ``--atlas`` names, checked against the trust store, or None."""
    from m2kt.cli.packets import _atlas as read

    return read(args)


def cmd_predict(args: argparse.Namespace) -> int:
    from m2kt.ingest.student import load_student
    from m2kt.render.escape import visible

    st = load_student(args.model)
    answers = st.answer(args.text, query=args.query)
    if args.json:
        print(json.dumps({"task": st.meta["task"],
                          "answers": dict(zip(args.text, answers, strict=True)),
                          "concepts": [{"text": t, "concept": a, "label": st.concept_label(a)}
                                       for t, a in zip(args.text, answers, strict=True)]}))
        return 0
    for t, a in zip(args.text, answers, strict=True):
        label = st.concept_label(a)
        print(f"{visible(t, 80)}\t{visible(a, 40)}"
              + (f"\t{visible(label, 60)}" if label != a else ""))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Accuracy, macro-F1 and per-concept confusion of an ingested student on labelled
    examples — with the base student's label-free start on the same examples — or, with
    ``--domain``, of a teacher with its trained head on that domain of this workspace."""
    from pathlib import Path

    import numpy as np

    from m2kt.ingest.student_side import read_labelled
    from m2kt.verify.scores import scores

    if args.domain:
        r = _teacher_scores(args.model, args.domain, Path(args.examples))
    else:
        from m2kt.domains.language import nearest_label
        from m2kt.ingest.student import load_student
        from m2kt.models import load
        from m2kt.verify.stats import above_start

        st = load_student(args.model)
        if st.meta["pair_task"]:
            from m2kt.errors import UsageError

            raise UsageError("evaluate scores class tasks; pair tasks are scored by `bench`")
        ids = list(st.meta["concepts"])
        labels = [st.concept_label(c) for c in ids]
        exs = read_labelled(Path(args.examples), ids)
        texts, y = [e.text for e in exs], np.array([e.label for e in exs])
        r = scores(y, st.answer_indices(texts), ids, labels)
        start = float((nearest_label(load(st.meta["student"]), texts, labels) == y).mean())
        test = above_start(r["accuracy"], r["n"], start, 1.0 / len(ids))
        r |= {"model": args.model, "student": st.meta["student"], "start": start,
              "start_method": "the base student's nearest concept label (cosine)",
              "p_above_start": None if test is None else test.p}
    r["examples"] = args.examples
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(_evaluation_text(r))
    return 0


def _teacher_scores(model: str, domain: str, path: Any) -> dict:
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.ingest.student_side import read_labelled
    from m2kt.verify.scores import scores

    task = get_task(domain)
    exs = read_labelled(path, list(task.labels))
    teacher = load_teacher(task, model, progress=progress)
    pred = teacher.proba(exs).argmax(1)
    r = scores([e.label for e in exs], pred, list(task.labels),
               [c.label for c in task.concepts])
    return r | {"model": model, "domain": domain, "teacher": True}


def _evaluation_text(r: dict) -> str:
    from m2kt.cli._common import table
    from m2kt.render.escape import visible

    head = (f"{visible(r['model'], 60)} on {r['n']} examples of {visible(r['examples'], 60)}: "
            f"accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}")
    if "start" in r:
        p = "—" if r["p_above_start"] is None else f"{r['p_above_start']:.2g}"
        head += (f"\nstart (the base student {r['student']}, nearest concept label): "
                 f"{r['start']:.3f}; above it: one-sided binomial p = {p}")
    rows = [{"id": visible(c["id"], 30), "label": visible(c["label"], 30), "n": c["n"],
             "recall": f"{c['recall']:.2f}", "precision": f"{c['precision']:.2f}",
             "F1": f"{c['f1']:.2f}",
             "answered as (top 3)": ", ".join(
                 f"{visible(k, 20)} {v}" for k, v in sorted(
                     c["answers"].items(), key=lambda kv: -kv[1])[:3])}
            for c in r["per_concept"]]
    return head + "\n" + table(rows, ["id", "label", "n", "recall", "precision", "F1",
                                       "answered as (top 3)"])


def cmd_demo(args: argparse.Namespace) -> int:
    """The workbench's guided demo in a terminal: the whole pipeline, then the result card."""
    from m2kt.demo import run_demo, verdict_lines

    r = run_demo(args.task, args.anchors, progress)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print("\n".join(verdict_lines(r)))
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
    ig.add_argument("--variant", default=DEFAULT_VARIANT, choices=list(all_variants()),
                    metavar="VARIANT",
                    help="the ingestion recipe: "
                    + "; ".join(f"{k} — {v}" for k, v in PUBLIC.items())
                    + " (other names: research variants of research/log.md)")
    ig.add_argument("--atlas", default=None,
                    help="the teacher's atlas (build-atlas) the packet names, for a variant "
                    "that reads one (atlas, atlas-prior); its strings count once as atlas "
                    "strings")
    ig.add_argument("--ablate", nargs="*", choices=["geo", "struct", "reason", "safe"],
                    help="switch loss terms off")
    ig.add_argument("--policy", default=None, help="safety policy JSON")
    ig.add_argument("--trust", default=None)
    ig.add_argument("--inputs", default=None,
                    help="the student's own unlabelled texts (one per line, or JSONL with "
                    "\"text\"); required for a domain that is not built in")
    ig.add_argument("--eval", default=None,
                    help="labelled JSONL {\"text\", \"concept\"} to score the new student on "
                    "(default: a built-in task's dev split; none for your own domain)")
    ig.add_argument("--force", action="store_true",
                    help="ingest even when the checks before training say it cannot help "
                    "(too few texts of the student's own; a student that already answers "
                    "the --eval examples as well as the teacher)")
    ig.set_defaults(func=cmd_ingest)

    pr = sub.add_parser("predict", help="the (ingested) student alone answers")
    pr.add_argument("--model", required=True, help="ingested student directory or name")
    pr.add_argument("--query", default=None, help="concept id asked about (pair tasks)")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("text", nargs="+")
    pr.set_defaults(func=cmd_predict)

    ev = sub.add_parser("evaluate", help="accuracy, macro-F1 and per-concept confusion of an "
                        "ingested student (or, with --domain, a teacher with its head)")
    ev.add_argument("--model", required=True, help="ingested student directory or name; with "
                    "--domain, a teacher model")
    ev.add_argument("--examples", required=True, help="labelled JSONL {\"text\", \"concept\"}")
    ev.add_argument("--domain", default=None,
                    help="score the teacher MODEL with its trained head on this domain")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)

    dm = sub.add_parser("demo", help="the guided demo in the terminal: teacher → packet → "
                        "review → approval → ingestion → gates, then the result card")
    dm.add_argument("--task", default=DEMO_TASKS[0], choices=list(DEMO_TASKS),
                    help=f"default {DEMO_TASKS[0]} (as on the Home page)")
    dm.add_argument("--anchors", type=int, default=None)
    dm.add_argument("--json", action="store_true")
    dm.set_defaults(func=cmd_demo)
