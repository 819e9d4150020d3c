"""Which taxonomy design can a teacher learn, and can KD on the pool then close the gap? On ``dev``.

    python research/probes/tax_design_probe.py STEPS WEIGHT_DECAY LR "{'branching': 2, 'depth': 6, ...}"

Builds ``taxonomy_task(**params)`` (a candidate redesign, BENCHMARK.md validity), trains a
teacher of the suite's shape with the suite's trainer for STEPS and prints its ``dev`` and
training accuracy every 500 steps; appends the curve to
``research/results/taxonomy-design-probe.json``. One torch thread; ``test`` is never read.
"""

from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "taxonomy-design-probe.json"


def main() -> None:
    import torch

    torch.set_num_threads(1)
    from m2kt.domains.symbolic import train as T
    from m2kt.domains.symbolic.build import suite_vocabulary
    from m2kt.domains.symbolic.generators import taxonomy_task
    from m2kt.domains.symbolic.tokenizer import build_tokenizer

    steps, wd, lr = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    params = ast.literal_eval(sys.argv[4]) if len(sys.argv) > 4 else {}
    task = taxonomy_task(**params)
    tok = build_tokenizer(suite_vocabulary(0))
    dev, train = task.splits["dev"], task.splits["teacher_train"][:3000]
    run = {"params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
           "split_sizes": task.split_sizes(), "steps": steps, "weight_decay": wd, "lr": lr,
           "curve": []}
    print(json.dumps(run), flush=True)
    t0 = time.time()

    def on_step(step: int, model) -> None:
        if step % 500 == 0 and step:
            point = {"step": step,
                     "dev": round(T.accuracy(model, tok, [e.text for e in dev],
                                             [e.label for e in dev]), 4),
                     "train": round(T.accuracy(model, tok, [e.text for e in train],
                                               [e.label for e in train]), 4),
                     "seconds": round(time.time() - t0, 1)}
            run["curve"].append(point)
            print(json.dumps(point), flush=True)

    cfg = T.TrainConfig(steps=steps, lr=lr, weight_decay=wd, batch=128, dropout=0.1)
    T.train_teacher(task, tok, cfg, 0, on_step=on_step)
    runs = json.loads(OUT.read_text())["runs"] if OUT.exists() else []
    OUT.write_text(json.dumps({"command": "python research/probes/tax_design_probe.py STEPS WD LR PARAMS",
                               "split": "dev", "runs": [*runs, run]}, indent=1) + "\n")


if __name__ == "__main__":
    main()
