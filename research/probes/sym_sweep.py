"""Training settings of the symbolic teachers, chosen on ``dev`` (never ``test``).

Trains one teacher per config (in parallel, one torch thread each), prints its ``dev``
accuracy every ``--every`` steps and writes every curve and final figure to
``research/results/sym-sweep.json``. The configs in ``CONFIGS`` are the ones whose results
chose ``TEACHER_STEPS`` in ``m2kt/domains/symbolic/train.py``; ``test`` is never read.

Usage: python research/probes/sym_sweep.py [--device cpu] [--jobs 2] [--only TASK] [--every 500]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "results" / "research" / "sym-sweep.json"

# (task, steps, lr, weight decay, batch, dropout)
CONFIGS = [
    ("taxonomy", 20000, 1e-3, 1.0, 128, 0.1),
    ("taxonomy", 20000, 1e-3, 1.0, 128, 0.0),
    ("modular", 3000, 1e-3, 1.0, 512, 0.1),
    ("modular", 3000, 1e-3, 1.0, 512, 0.0),
    ("multistep", 3000, 1e-3, 0.1, 128, 0.1),
]


def run(args: tuple) -> dict:
    (task_name, steps, lr, wd, batch, dropout), device, every = args
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT))
    from m2kt.domains.registry import get_task
    from m2kt.domains.symbolic import train as T
    from m2kt.domains.symbolic.build import suite_vocabulary
    from m2kt.domains.symbolic.tokenizer import build_tokenizer

    task = get_task(task_name)
    tok = build_tokenizer(suite_vocabulary())
    dev = task.splits["dev"]
    curve: list[dict] = []
    t0 = time.time()

    def on_step(step: int, model) -> None:
        if step % every == 0:
            acc = T.accuracy(model, tok, [e.text for e in dev], [e.label for e in dev])
            curve.append({"step": step, "dev": round(acc, 4), "seconds": round(time.time() - t0)})
            print(json.dumps({"task": task_name, "lr": lr, "wd": wd, "dropout": dropout,
                              **curve[-1]}), flush=True)

    cfg = T.TrainConfig(steps=steps, lr=lr, weight_decay=wd, batch=batch)
    shape = {**T.TEACHER_SHAPE, "hidden_dropout_prob": dropout,
             "attention_probs_dropout_prob": dropout}
    m = T.train_teacher(task, tok, cfg, 0, device=device, shape=shape, on_step=on_step)
    acc = {s: round(T.accuracy(m, tok, [e.text for e in task.splits[s]],
                               [e.label for e in task.splits[s]]), 4)
           for s in ("teacher_train", "dev")}
    return {"task": task_name, "steps": steps, "lr": lr, "weight_decay": wd, "batch": batch,
            "dropout": dropout, "acc": acc, "curve": curve, "seconds": round(time.time() - t0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=None, help="run only this task's configs")
    ap.add_argument("--every", type=int, default=500)
    a = ap.parse_args()
    configs = [c for c in CONFIGS if a.only in (None, c[0])]
    with ProcessPoolExecutor(a.jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
        results = list(ex.map(run, [(c, a.device, a.every) for c in configs]))
    old = json.loads(OUT.read_text()) if OUT.is_file() else {"runs": []}
    keep = [r for r in old["runs"] if a.only is not None and r["task"] != a.only]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"command": "python research/probes/sym_sweep.py"
                               + (f" --only {a.only}" if a.only else ""),
                               "split": "dev", "runs": keep + results}, indent=2) + "\n")
    for r in results:
        print(f"{r['task']}: lr {r['lr']} wd {r['weight_decay']} dropout {r['dropout']} "
              f"→ dev {r['acc']['dev']:.3f} ({r['seconds']} s)")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
