"""``python -m m2kt`` — Tasks and their teachers: list them, (re)train the teachers and students."""

from __future__ import annotations

import argparse
import json
from typing import Any

from m2kt.cli._common import progress, table
from m2kt.demo import DEMO_TASKS
from m2kt.domains.base import TEXT_TRACKS
from m2kt.domains.names import SYMBOLIC_TASKS, TASKS
from m2kt.render.escape import visible


def cmd_domains(args: argparse.Namespace) -> int:
    from m2kt.domains.custom import list_domains
    from m2kt.domains.registry import list_tasks

    rows = list_tasks(seed=args.seed)
    custom = [r.__dict__ for r in list_domains()]
    if args.json:
        print(json.dumps({"seed": args.seed, "tasks": rows, "custom": custom}, indent=2))
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
    if custom:
        print("\nyour domains (this workspace; `domains show NAME`):")
        print(table([{k: visible(v, 60) for k, v in c.items()} for c in custom],
                    ["name", "concepts", "examples", "teacher", "student", "created"]))
    return 0


def _read_file(path: str, what: str) -> bytes:
    from pathlib import Path

    from m2kt.domains.files import MAX_DOMAIN_FILE_BYTES
    from m2kt.errors import UsageError

    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{what} {path!r} is not a readable file")
    if p.stat().st_size > MAX_DOMAIN_FILE_BYTES:
        raise UsageError(f"{what} {path!r} is {p.stat().st_size:,} bytes; the limit is "
                         f"{MAX_DOMAIN_FILE_BYTES:,}")
    return p.read_bytes()


def cmd_domains_add(args: argparse.Namespace) -> int:
    from m2kt.domains.custom import DEFAULT_STUDENT, DEFAULT_TEACHER, add_domain
    from m2kt.domains.registry import get_task

    rec = add_domain(args.name, _read_file(args.concepts, "--concepts"),
                     _read_file(args.examples, "--examples"), args.description or "",
                     args.teacher or DEFAULT_TEACHER, args.student or DEFAULT_STUDENT)
    sizes = get_task(rec.name).split_sizes()
    print(f"added domain {rec.name}: {rec.concepts} concepts, {rec.examples} examples "
          f"(teacher_train {sizes['teacher_train']}, dev {sizes['dev']}, test {sizes['test']}); "
          f"teacher {rec.teacher}, student {rec.student}")
    return 0


def cmd_domains_show(args: argparse.Namespace) -> int:
    from m2kt.domains.custom import get_domain
    from m2kt.domains.registry import get_task

    rec = get_domain(args.name)
    task = get_task(rec.name)
    if args.json:
        print(json.dumps({**rec.__dict__, "splits": task.split_sizes(),
                          "concepts_list": [c.__dict__ for c in task.concepts]}, indent=2))
        return 0
    print(f"{rec.name}: {visible(rec.description) or '(no description)'}")
    print(f"teacher {rec.teacher}, student {rec.student}; added {rec.created}")
    print("splits: " + ", ".join(f"{k} {v}" for k, v in task.split_sizes().items()))
    print(table([{"id": visible(c.id, 40), "label": visible(c.label, 40),
                  "description": visible(c.description, 60)} for c in task.concepts],
                ["id", "label", "description"]))
    return 0


def cmd_domains_remove(args: argparse.Namespace) -> int:
    from m2kt.domains.custom import remove_domain

    remove_domain(args.name)
    print(f"removed domain {args.name}")
    return 0


def cmd_domains_export(args: argparse.Namespace) -> int:
    """One split of a user's domain as JSONL, for the student side: ``transfer_pool`` as
    ``{"text"}`` lines (its unlabelled inputs, ``ingest --inputs``), ``dev`` / ``test`` as
    ``{"text", "concept"}`` (``ingest --eval``, ``evaluate --examples``). Refuses to overwrite."""
    from pathlib import Path

    from m2kt.domains.custom import custom_task, split_jsonl
    from m2kt.errors import UsageError
    from m2kt.packet.writer import write_atomic

    task = custom_task(args.name)
    out = Path(args.out)
    if out.exists():
        raise UsageError(f"{out} exists; choose a new file (nothing was written)")
    write_atomic(out, split_jsonl(task, args.split))
    rows = task.splits[args.split]
    print(f"wrote {len(rows)} {args.split} "
          f"{'texts' if args.split == 'transfer_pool' else 'examples'} of {args.name} to {out}")
    return 0


def cmd_train_teachers(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.domains.language import record_language_teachers
    from m2kt.domains.names import LANGUAGE_TASKS, REASONING_TASKS
    from m2kt.domains.registry import LANGUAGE_RECORD, REASONING_RECORD

    reasoning = args.track == "reasoning"
    out = Path(args.out) if args.out else (REASONING_RECORD if reasoning else LANGUAGE_RECORD)
    record = record_language_teachers(out, seed=args.seed, device=args.device,
                                      retrain=args.retrain, progress=progress,
                                      tasks=REASONING_TASKS if reasoning else LANGUAGE_TASKS,
                                      command="python -m m2kt train-teachers"
                                      + (" --track reasoning" if reasoning else ""))
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
        if task.track in TEXT_TRACKS:
            inputs = [e for s in SPLITS if s != "teacher_train" for e in task.splits[s]]
            for role, model in (("teacher", task.teacher), ("student", task.student)):
                progress(f"{name}: the {role} {model} encodes {len(inputs):,} inputs")
                features(load(model, progress=progress), task, inputs, progress)
        print(f"{name}: ready in {time.perf_counter() - t1:.0f} s", flush=True)
    print(f"workspace prepared in {time.perf_counter() - t0:.0f} s")
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    d = sub.add_parser("domains", help="list tasks (built-in and yours): track, concepts, "
                       "splits, teacher accuracy; add, show or remove your own domains")
    d.add_argument("--json", action="store_true")
    d.add_argument("--seed", type=int, default=0)
    d.set_defaults(func=cmd_domains)
    dsub = d.add_subparsers(dest="domains_verb", metavar="{add,show,remove}")
    da = dsub.add_parser("add", help="add a domain from a concepts CSV and an examples JSONL "
                         "(checked first; nothing is stored when anything is wrong)")
    da.add_argument("name", help="2-40 lower-case letters, digits, '-' or '_'")
    da.add_argument("--concepts", required=True,
                    help="UTF-8 CSV with a header: id,label[,description][,parent]")
    da.add_argument("--examples", required=True,
                    help='JSONL, one {"text": ..., "concept": "<id>"} per line')
    da.add_argument("--description", default=None)
    da.add_argument("--teacher", default=None, help="default teacher model (minilm-l6)")
    da.add_argument("--student", default=None, help="default student model (minilm-l3)")
    da.set_defaults(func=cmd_domains_add)
    dsh = dsub.add_parser("show", help="one of your domains: splits and concepts")
    dsh.add_argument("name")
    dsh.add_argument("--json", action="store_true")
    dsh.set_defaults(func=cmd_domains_show)
    de = dsub.add_parser("export", help="one split of your domain as JSONL for the student "
                         "side (transfer_pool: texts only)")
    de.add_argument("name")
    de.add_argument("--split", required=True, choices=["transfer_pool", "dev", "test"])
    de.add_argument("--out", required=True, help="a new .jsonl file")
    de.set_defaults(func=cmd_domains_export)

    dr = dsub.add_parser("remove", help="remove one of your domains from this workspace")
    dr.add_argument("name")
    dr.set_defaults(func=cmd_domains_remove)

    pp = sub.add_parser("prepare", help="warm the workspace: tables, models, teacher heads, "
                        "encodings (progress shown; the guided demo is then fast)")
    pp.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(DEMO_TASKS),
                    help=f"default: the guided demo's tasks ({', '.join(DEMO_TASKS)})")
    pp.set_defaults(func=cmd_prepare)

    tl = sub.add_parser("train-teachers",
                        help="train/cache the teacher heads of a text track and record "
                        "accuracies")
    tl.add_argument("--track", choices=["language", "reasoning"], default="language",
                    help="language (MiniLM-L6 heads) or reasoning (SmolLM2-135M heads on "
                    "three layers; the optional install)")
    tl.add_argument("--out", default=None,
                    help="record file (default assets/language_teachers.json, "
                    "assets/reasoning_teachers.json with --track reasoning)")
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
