"""How long does the guided demo take from an empty workspace, and warm?

    python scripts/bench_demo.py [--tasks supersense multistep] [--json FILE]

Per task, runs ``python -m m2kt demo --task T --json`` twice, each in a fresh process, in a new
empty workspace (a temporary ``M2KT_HOME``, removed afterwards): the first run is *cold*
(WordNet tables, the MiniLM-L3 conversion, the teacher's encodings are all made then), the
second *warm*. Prints one JSON object: per task and run the process's wall time (interpreter
start, imports and all), the demo's own time as its card shows it, its accuracy, verdict and
the longest wait between two of its progress messages. The Home page quotes these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(task: str, home: str) -> dict:
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "m2kt", "demo", "--task", task, "--json"],
                         cwd=ROOT, env=dict(os.environ, M2KT_HOME=home), text=True,
                         capture_output=True, check=False)
    wall = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise SystemExit(f"demo failed (exit {res.returncode}): {res.stderr[-2000:]}")
    card = json.loads(res.stdout)
    return {"wall_s": round(wall, 1), "card_s": card["seconds"], "accuracy": card["accuracy"],
            "retention": card["retention"], "passed": card["passed"],
            "teacher_inputs": card.get("teacher_inputs"),
            "crossing_inputs": card["ledger"]["crossing_inputs"],
            "longest_silence_s": card.get("longest_silence_s")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["supersense", "multistep"],
                    help="demo tasks (default: supersense multistep)")
    ap.add_argument("--json", default=None, help="also write the result to this file")
    a = ap.parse_args()
    tasks = {}
    for task in a.tasks:
        with tempfile.TemporaryDirectory(prefix="m2kt-demo-") as home:
            cold = run(task, home)
            print(f"  · {task} cold: {cold['wall_s']} s", file=sys.stderr, flush=True)
            warm = run(task, home)
            print(f"  · {task} warm: {warm['wall_s']} s", file=sys.stderr, flush=True)
        tasks[task] = {"cold": cold, "warm": warm}
    result = {"tasks": tasks,
              "meta": {"command": "python scripts/bench_demo.py " + " ".join(sys.argv[1:]),
                       "cpus": os.cpu_count(),
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}}
    print(json.dumps(result))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
