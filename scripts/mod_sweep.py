"""Exploration: modular-arithmetic teacher on CPU, one thread, test accuracy every 500 steps.

Usage: python scripts/mod_sweep.py P TRAIN_FRACTION LR STEPS
"""
import sys
import time

import torch

sys.path.insert(0, ".")
from m2kt.domains.symbolic import train as T  # noqa: E402
from m2kt.domains.symbolic.generators import modular_task  # noqa: E402
from m2kt.domains.symbolic.tokenizer import build_tokenizer, vocabulary  # noqa: E402

torch.set_num_threads(1)
p, frac, lr, steps = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rest = 1 - frac
task = modular_task(p=p, fractions=(frac, rest * 0.6, rest * 0.4))
tok = build_tokenizer(vocabulary(w for s in task.splits.values() for e in s
                                 for w in e.text.split()))
test = task.splits["test"]
t0 = time.time()


def on_step(step, model):
    if step % 500 == 0:
        acc = T.accuracy(model, tok, [e.text for e in test], [e.label for e in test])
        print(f"p={p} frac={frac} lr={lr} step {step} test {acc:.3f} ({time.time() - t0:.0f} s)",
              flush=True)


m = T.train_teacher(task, tok, T.TrainConfig(steps=steps, lr=lr, weight_decay=1.0, batch=512),
                    0, on_step=on_step)
print("FINAL", p, frac, lr, task.split_sizes(), T.accuracy(m, tok, [e.text for e in test],
                                                          [e.label for e in test]), flush=True)
