"""The longest silent waits of the guided demo (or of a packet build, or an ingestion): runs it
with a recording progress callback and prints the longest intervals between two progress
updates, and whether the fractions ever went down. The workbench promises no silent wait over
10 s on an unloaded machine.

Usage: python scripts/progress_gaps.py [--task supersense] [--top 8] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from m2kt.demo import DEMO_TASKS, run_demo
    from m2kt.models.spec import Recorder

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="supersense", choices=DEMO_TASKS)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rec = Recorder()
    card = run_demo(args.task, progress=rec)
    gaps = rec.gaps(args.top)
    for s, before, after in gaps:
        print(f"{s:6.1f} s  after «{before[:90]}»  before «{after[:90]}»")
    out = {"task": args.task, "seconds": card["seconds"], "updates": len(rec.updates),
           "longest_gaps": [{"seconds": round(s, 2), "before": b, "after": a}
                            for s, b, a in gaps],
           "monotone": rec.fractions_monotone()}
    print(f"{len(rec.updates)} updates in {card['seconds']:.0f} s; fractions monotone: "
          f"{out['monotone']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
