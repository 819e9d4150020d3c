"""Dev screen of reasoning-task candidates on the student side only (cheap: no teacher).

For each candidate (m2kt/domains/reasoning.py) and student model: its label-free start (cosine
to the label names) and the accuracy a linear head on its frozen features reaches from the
*gold* labels of up to 1,500 ``transfer_pool`` problems, both on ``dev``. A task can only be
valid under BENCHMARK v3 with a frozen student if that ceiling sits well above the start (KD on
the full pool must close ≥ 75 % of the teacher − start gap): this screen says which candidates
are worth the teacher's (slow) encoding.

    python research/probes/reasoning_screen.py [--tasks ...] [--students minilm-l3 minilm-l6]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def teacher_layers(name: str) -> dict[str, float]:
    """Dev accuracy of the task's teacher with a softmax head (fitted on ``teacher_train``) on
    the last token of its last layer alone, and of layers 15, 22 and 30 concatenated."""
    from m2kt.domains.language import features
    from m2kt.domains.reasoning import reasoning_task
    from m2kt.heads import fit_softmax
    from m2kt.models import load

    out = {}
    lm = load("smollm2-135m")
    for label, layers in (("30", (30,)), ("15+22+30", (15, 22, 30))):
        task = reasoning_task(name, teacher_layers=layers)
        tr, dev = task.splits["teacher_train"], task.splits["dev"]
        head = fit_softmax(features(lm, task, tr), np.array([e.label for e in tr]),
                           len(task.labels))
        out[label] = float((head.predict(features(lm, task, dev))
                            == np.array([e.label for e in dev])).mean())
    return out


def main() -> int:
    from m2kt.concepts.relative import profiles
    from m2kt.domains.reasoning import (
        RTASKS,
        SPECS,
        TASK_FRACTIONS,
        TASK_PROBLEMS,
        generate,
        reasoning_task,
        split_problems,
    )
    from m2kt.heads import fit_softmax
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(RTASKS))
    ap.add_argument("--students", nargs="+", default=["minilm-l3"])
    ap.add_argument("--problems", type=int, default=TASK_PROBLEMS)
    ap.add_argument("--teacher-layers", action="store_true",
                    help="registered tasks: also the teacher's dev accuracy with a head on the "
                    "last layer alone and on layers 15/22/30 (SmolLM2-135M, optional install)")
    ap.add_argument("--json", default=str(ROOT / "research/results/reasoning-screen.json"))
    args = ap.parse_args()
    from m2kt.domains.names import REASONING_TASKS as REGISTERED
    out: dict = {"command": "python research/probes/reasoning_screen.py " + " ".join(sys.argv[1:]),
                 "split": "dev", "tasks": {}}
    for name in args.tasks:
        labels = SPECS[name][0]
        # the splits the registered task uses (its fractions), so this "dev" is the task's dev
        # and no problem of its test split is read
        sp = (reasoning_task(name, problems=args.problems).splits if name in REGISTERED
              else split_problems(generate(name, args.problems, 0), 0, TASK_FRACTIONS))
        pool, dev = list(sp["transfer_pool"])[:1500], list(sp["dev"])[:600]
        yp, yd = np.array([e.label for e in pool]), np.array([e.label for e in dev])
        row: dict = {"sizes": {"pool": len(pool), "dev": len(dev)},
                     "majority_dev": float(np.bincount(yd).max() / len(yd))}
        for sname in args.students:
            t0 = time.perf_counter()
            lm = load(sname)
            fp = cached_encode(lm, [e.text for e in pool], template="")
            fd = cached_encode(lm, [e.text for e in dev], template="")
            lab = cached_encode(lm, list(labels), template="")
            start = float((profiles(fd, lab).argmax(1) == yd).mean())
            head = fit_softmax(fp, yp, len(labels))
            ceiling = float((head.predict(fd) == yd).mean())
            row[sname] = {"start": start, "gold_linear": ceiling,
                          "seconds": round(time.perf_counter() - t0, 1)}
        if args.teacher_layers and name in REGISTERED:
            row["teacher_layers"] = teacher_layers(name)
        out["tasks"][name] = row
        print(json.dumps({name: row}), flush=True)
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
