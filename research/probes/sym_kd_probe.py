"""Can symbolic KD learn a task from its whole pool? A probe on ``dev`` (never ``test``).

    python research/probes/sym_kd_probe.py [--task modular] [--wd 0.01,1.0] [--steps 3000,6000]
                                   [--lr 1e-3] [--batch 128] [--tag NAME]

For each (weight decay, number of steps), the bench's own KD fine-tuner (``m2kt.bench.finetune``:
the student from its checkpoint, the teacher's softened answers on every ``transfer_pool``
input, early stopping on a 15 % slice of them, the temperature chosen as the bench chooses
it) is trained and scored on ``dev``. The task is valid only if KD on the full pool closes
≥ 75 % of the teacher − start gap (BENCHMARK.md); the JSON gives each run's share of that gap
on dev. Writes ``research/results/sym-kd-probe-<task>[-<tag>].json``; one torch thread.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="modular")
    ap.add_argument("--wd", default="0.01,1.0", help="AdamW weight decays to try")
    ap.add_argument("--steps", default="2400,6000", help="step counts to try (the bench gives "
                    "modular's full pool 2,340: 60 epochs of its 4,888 training rows)")
    ap.add_argument("--lr", default="1e-3", help="peak learning rates to try (the bench: 1e-3)")
    ap.add_argument("--batch", type=int, default=128, help="largest batch (the bench: 128)")
    ap.add_argument("--tag", default="", help="suffix of the output file's name")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from m2kt.bench.finetune import Budget, Finetuner, _slice
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.domains.symbolic.train import majority_accuracy
    from m2kt.models import load

    task = get_task(args.task)
    teacher = load_teacher(task)
    student = load(task.student)
    pool, dev = list(task.splits["transfer_pool"]), list(task.splits["dev"])
    texts = [e.text for e in pool]
    targets = teacher.proba(pool).astype(np.float64)
    y_dev = np.array([e.label for e in dev])
    t_acc = float((teacher.proba(dev).argmax(1) == y_dev).mean())
    start = float(majority_accuracy(task, "dev"))
    out = {"command": "python research/probes/sym_kd_probe.py " + " ".join(sys.argv[1:]),
           "task": args.task, "split": "dev", "pool": len(pool), "teacher": t_acc,
           "start": start, "runs": []}
    ft = Finetuner(student.path, len(task.labels))
    out["batch"] = args.batch
    rows = np.sort(np.random.default_rng(1000).permutation(len(pool))[:512])
    ft.choose_temperature([texts[i] for i in rows], targets[rows], 0)
    out["temperature"] = ft.temperature
    tr, va = _slice(len(texts), 0)
    ft.batch = args.batch  # after choosing the temperature as the bench does
    grid = [(float(w), int(s), float(lr)) for w in args.wd.split(",")
            for s in args.steps.split(",") for lr in args.lr.split(",")]
    for wd, steps, lr in grid:
        ft.weight_decay, ft.budget = wd, Budget(steps, steps)
        t0 = time.perf_counter()
        model, agree = ft.fit([texts[i] for i in tr], targets[tr], 0, lr=lr,
                              val=([texts[i] for i in va], targets[va].argmax(1)))
        acc = float((ft.proba(model, [e.text for e in dev]).argmax(1) == y_dev).mean())
        run = {"weight_decay": wd, "steps": steps, "lr": lr,
               "slice_agreement": agree, "dev": acc,
               "gap_closed": (acc - start) / (t_acc - start),
               "seconds": round(time.perf_counter() - t0, 1)}
        out["runs"].append(run)
        print(json.dumps(run), flush=True)
    tag = f"-{args.tag}" if args.tag else ""
    path = ROOT / "docs" / "results" / "research" / f"sym-kd-probe-{args.task}{tag}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
