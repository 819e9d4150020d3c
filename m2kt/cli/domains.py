"""``python -m m2kt`` — Tasks and their teachers: list them, (re)train the teachers and students."""

from __future__ import annotations

import argparse
import json
from typing import Any

from m2kt.cli._common import progress, table
from m2kt.demo import DEMO_TASKS
from m2kt.domains.names import SYMBOLIC_TASKS, TASKS


def cmd_domains(args: argparse.Namespace) -> int:
    from m2kt.domains.registry import list_tasks

    rows = list_tasks(seed=args.seed)
    if args.json:
        print(json.dumps({"seed": args.seed, "tasks": rows}, indent=2))
        return 0
    def share(v: dict | None, key: str) -> str:
        return "—" if not v or v.get(key) is None else f"{100 * v[key]:.0f} %"

    flat = [{**r, "train/pool/dev/test": "/".join(str(v) for v in r["splits"].values()),
             "teacher_acc": "—" if r["teacher_acc"] is None else f"{r['teacher_acc']:.3f}",
             "student_before": "—" if r["student_before_acc"] is None
             else f"{r['student_before_acc']:.3f}",
             "prior share": share(r["validity"], "prior_share"),
             "KD-full share": share(r["validity"], "kd_full_share"),
             "valid": "—" if not r["validity"] else ("yes" if r["validity"]["valid"] else "NO")}
            for r in rows]
    print(table(flat, ["name", "track", "labels", "concepts", "train/pool/dev/test", "teacher",
                        "teacher_acc", "student", "student_before", "prior share",
                        "KD-full share", "valid"]))
    srcs = sorted({r["validity"]["source"] for r in rows if r["validity"]})
    print("\nvalidity (BENCHMARK.md: teacher − start ≥ 0.10, prior closes ≤ 25 % of that gap, "
          "KD on the full pool ≥ 75 %): " + ("from " + "; ".join(srcs) if srcs else
                                             "no protocol-v2 report committed yet")
          + ("; — : no committed report covers the task yet" if any(
              not r["validity"] for r in rows) else ""))
    return 0


def cmd_train_teachers(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.domains.language import record_language_teachers
    from m2kt.domains.registry import LANGUAGE_RECORD

    out = Path(args.out) if args.out else LANGUAGE_RECORD
    record = record_language_teachers(out, seed=args.seed, device=args.device,
                                      retrain=args.retrain, progress=progress)
    for name, r in record["tasks"].items():
        print(f"{name}: teacher {r['teacher']['teacher']} test acc {r['teacher']['acc']:.3f}; "
              f"student {r['student_before']['student']} start "
              f"{r['student_before']['acc']:.3f} ({r['student_before']['method']})")
    print(f"wrote {out}")
    return 0


def cmd_train_symbolic(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.domains.registry import SYMBOLIC_DIR
    from m2kt.domains.symbolic.build import train_all

    out = Path(args.out) if args.out else SYMBOLIC_DIR
    record = train_all(out, tasks=args.tasks, seed=args.seed, device=args.device,
                       progress=progress)
    for name, r in record["tasks"].items():
        print(f"{name}: teacher test acc {r['teacher']['acc']:.3f} "
              f"(student start {r['student']['before_acc']:.3f}); "
              f"{r['teacher']['train_seconds']} s + {r['student']['pretrain_seconds']} s")
    print(f"wrote {out}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Warm the workspace so the first demo and packet are fast: WordNet's tables, the
    converted builtins, each task's teacher (with its shipped head) and, on the language
    track, every input of the task encoded once by its teacher and its student."""
    import time

    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.base import SPLITS
    from m2kt.domains.language import features
    from m2kt.domains.registry import get_task
    from m2kt.models import load

    t0 = time.perf_counter()
    for name in args.tasks:
        t1 = time.perf_counter()
        progress(f"{name}: reading the task (WordNet tables are extracted once)")
        task = get_task(name)
        progress(f"{name}: loading the teacher {task.teacher} and its head")
        load_teacher(task, progress=progress)
        if task.track == "language":
            inputs = [e for s in SPLITS if s != "teacher_train" for e in task.splits[s]]
            for role, model in (("teacher", task.teacher), ("student", task.student)):
                progress(f"{name}: the {role} {model} encodes {len(inputs):,} inputs")
                features(load(model, progress=progress), task, inputs, progress)
        print(f"{name}: ready in {time.perf_counter() - t1:.0f} s", flush=True)
    print(f"workspace prepared in {time.perf_counter() - t0:.0f} s")
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    d = sub.add_parser("domains", help="list tasks: track, concepts, splits, teacher accuracy")
    d.add_argument("--json", action="store_true")
    d.add_argument("--seed", type=int, default=0)
    d.set_defaults(func=cmd_domains)

    pp = sub.add_parser("prepare", help="warm the workspace: tables, models, teacher heads, "
                        "encodings (progress shown; the guided demo is then fast)")
    pp.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(DEMO_TASKS),
                    help=f"default: the guided demo's tasks ({', '.join(DEMO_TASKS)})")
    pp.set_defaults(func=cmd_prepare)

    tl = sub.add_parser("train-teachers",
                        help="train/cache the language-track teacher heads and record accuracies")
    tl.add_argument("--out", default=None,
                    help="record file (default assets/language_teachers.json)")
    tl.add_argument("--seed", type=int, default=0)
    tl.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    tl.add_argument("--retrain", action="store_true", help="ignore the workspace cache")
    tl.set_defaults(func=cmd_train_teachers)

    ts = sub.add_parser("train-symbolic",
                        help="regenerate the symbolic suite's tiny teachers and students")
    ts.add_argument("--out", default=None, help="output folder (default assets/symbolic)")
    ts.add_argument("--tasks", nargs="+", choices=list(SYMBOLIC_TASKS),
                    default=list(SYMBOLIC_TASKS))
    ts.add_argument("--seed", type=int, default=0)
    ts.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    ts.set_defaults(func=cmd_train_symbolic)
