"""``python -m m2kt`` — evaluation: the benchmark against distillation, its tables, the
research log."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from m2kt.cli._common import progress
from m2kt.domains.names import TASKS
from m2kt.ingest.variants import DEFAULT_VARIANT, all_variants


def cmd_bench(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.bench.report import render_markdown, write_report
    from m2kt.bench.run import BenchOptions, auto_workers, run_bench

    opts = BenchOptions(track=args.track, quick=args.quick, seeds=args.seeds,
                        device=args.device, anchors=args.anchors, variant=args.variant,
                        tasks=tuple(args.tasks) if args.tasks else None,
                        teacher=args.teacher, ablations=not args.no_ablations,
                        split=args.split,
                        workers=args.workers if args.workers is not None else auto_workers())
    if opts.quick and not opts.tasks and opts.track == "all" and not opts.teacher:
        from m2kt.bench.run import quick_unavailable

        for name, hint in quick_unavailable().items():
            print(f"  · --quick leaves out {name}: {hint}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()

    def on_task(name: str, entry: dict) -> None:
        m = entry["methods"]
        n = entry.get("kd_parity_inputs")
        print(f"  ✓ {name}: M2KT {m['m2kt']['acc']:.3f} with "
              f"{m['m2kt']['ledger']['crossing_inputs']:,} crossing strings; "
              f"KD at the same count {m['kd']['acc']:.3f}, KD + pool {m['kd_ssl']['acc']:.3f}; "
              f"KD parity {'none' if n is None else f'{n:,.0f}'}; "
              f"{entry['seconds']:.0f} s ({time.perf_counter() - t0:.0f} s so far)",
              file=sys.stderr, flush=True)

    result = run_bench(opts, progress=progress, on_task=on_task)
    text = json.dumps(result, indent=2) + "\n"
    if args.json == "-":
        sys.stdout.write(text)
    elif args.json:
        from m2kt.packet.writer import write_atomic

        write_atomic(Path(args.json), text.encode())
    if args.report:
        for path in write_report(result, Path(args.report)):
            print(f"wrote {path}", file=sys.stderr)
    if args.json != "-":
        print(render_markdown(result))
    return 0


def cmd_bench_table(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.bench.report import readme_block

    paths = [Path(p) for p in args.report]
    if args.recompute:  # derived fields, from the measurements in the same file
        from m2kt.bench.figures import derived
        from m2kt.bench.report import render_markdown
        from m2kt.packet.writer import write_atomic

        for path in paths:
            result = json.loads(path.read_text())
            for entry in result["tasks"].values():
                entry.update(derived(entry))
            write_atomic(path, (json.dumps(result, indent=2) + "\n").encode())
            write_atomic(path.with_name("report.md"), render_markdown(result).encode())
            print(f"recomputed parity and reductions in {path} and report.md")
    text = readme_block(*paths)
    if args.readme:
        from m2kt.bench.research import splice_between

        path = Path(args.readme)
        path.write_text(splice_between(path.read_text(), text, "bench-table"))
        print(f"updated the results table in {path}")
    else:
        print(text, end="")
    return 0


def cmd_research_log(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.bench.research import research_log
    from m2kt.ingest.variants import all_variants

    variants = [] if args.tables_only else (args.variants or list(all_variants()))
    research_log(variants, Path(args.log), Path(args.results), seeds=args.seeds,
                 progress=progress, tasks=tuple(args.tasks) if args.tasks else None,
                 marker=args.marker)
    ran = f" and {args.results}/<variant>.json for {', '.join(variants)}" if variants else ""
    print(f"wrote {args.log}{ran}")
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    bn = sub.add_parser("bench", help="M2KT against knowledge distillation (BENCHMARK.md)")
    bn.add_argument("--track", choices=["language", "symbolic", "reasoning", "all"],
                    default="all")
    bn.add_argument("--tasks", nargs="+", default=None, choices=list(TASKS),
                    help="only these tasks (default: every task of --track)")
    bn.add_argument("--split", choices=["dev", "test"], default="dev",
                    help="the held-out split every arm is scored on: dev (the default) for "
                    "every research choice and quick checks; test only for a final report "
                    "(it records how many test reports of each task came before it)")
    bn.add_argument("--quick", action="store_true",
                    help="one seed, short KD sweep, no ablations (minutes on 2 CPU cores)")
    bn.add_argument("--seeds", type=int, default=3)
    bn.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    bn.add_argument("--anchors", type=int, default=64, help="M2KT anchors per packet")
    bn.add_argument("--variant", default=DEFAULT_VARIANT, choices=list(all_variants()),
                    help=f"M2KT method variant (m2kt/ingest/variants.py; default "
                    f"{DEFAULT_VARIANT})")
    bn.add_argument("--teacher", default=None,
                    help="teacher model of the language tasks instead of each task's own; "
                    "then only the language tasks run (smollm2-135m: the cross-architecture "
                    "pair)")
    bn.add_argument("--workers", type=int, default=None,
                    help="run the bench's independent runs (task × seed × arm × sweep size) "
                    "as Ray tasks on N workers, one torch thread each: a local Ray, or the "
                    "cluster at RAY_ADDRESS (default: one per core, at most 2; 1: one after "
                    "another in this process)")
    bn.add_argument("--no-ablations", action="store_true",
                    help="skip the ablations (loss terms, alignment methods, anchor sweep)")
    bn.add_argument("--json", default=None, help="write the result JSON here ('-' = stdout)")
    bn.add_argument("--report", default=None,
                    help="folder for bench.json, report.md and one plot per task")
    bn.set_defaults(func=cmd_bench)

    bt = sub.add_parser("bench-table",
                        help="the README results tables from one or more bench report JSONs")
    bt.add_argument("report", nargs="+",
                    help="bench JSON(s), e.g. docs/results/full/bench.json "
                    "docs/results/symbolic/bench.json")
    bt.add_argument("--recompute", action="store_true",
                    help="recompute parity and reductions from the file's own measurements "
                         "(and rewrite its report.md) first")
    bt.add_argument("--readme", default=None,
                    help="rewrite the table between the bench-table markers of this file")
    bt.set_defaults(func=cmd_bench_table)

    rl = sub.add_parser("research-log",
                        help="every ingestion variant on every task, on dev → "
                        "research/log.md")
    rl.add_argument("--variants", nargs="+", default=None, choices=list(all_variants()),
                    help="default: all")
    rl.add_argument("--tasks", nargs="+", default=None, choices=list(TASKS),
                    help="default: every task")
    rl.add_argument("--seeds", type=int, default=1)
    rl.add_argument("--tables-only", action="store_true",
                    help="run nothing: regenerate the log's tables from the committed JSONs")
    rl.add_argument("--log", default="research/log.md")
    rl.add_argument("--results", default="research/results")
    rl.add_argument("--marker", default="generated",
                    help="which generated table of the log to rewrite (default: generated; "
                    "v3: BENCHMARK v3's, with --results research/results/v3)")
    rl.set_defaults(func=cmd_research_log)
