"""Hyper-parameter sweep for the symbolic teachers (exploration only; figures printed).

Usage: python scripts/sym_sweep.py DEVICE JOBS   — runs a fixed list of configs in parallel.
"""
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor

CONFIGS = [
    # (task, task_kwargs, steps, lr, wd, batch, layers)
    ("taxonomy", {"extra_negatives": 0}, 3000, 1e-3, 0.1, 128, 4),
    ("taxonomy", {"extra_negatives": 8}, 3000, 1e-3, 0.1, 128, 4),
    ("taxonomy", {"extra_negatives": 26}, 3000, 1e-3, 0.1, 128, 4),
    ("taxonomy", {"extra_negatives": 8}, 6000, 1e-3, 1.0, 128, 2),
    ("taxonomy", {"extra_negatives": 26}, 6000, 3e-4, 0.1, 128, 2),
    ("taxonomy", {"extra_negatives": 8, "leaves": 6}, 3000, 1e-3, 0.1, 128, 4),
    ("modular", {"p": 23}, 6000, 1e-3, 1.0, 512, 2),
    ("modular", {"p": 47}, 6000, 1e-3, 1.0, 512, 2),
    ("modular", {"p": 97}, 6000, 1e-3, 1.0, 512, 2),
    ("modular", {"p": 97}, 6000, 1e-3, 1.0, 512, 4),
    ("modular", {"p": 97}, 6000, 3e-3, 0.3, 512, 2),
    ("modular", {"p": 59}, 6000, 1e-3, 1.0, 512, 1),
]


def run(args):
    task_name, kw, steps, lr, wd, batch, layers = args
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, ".")
    from m2kt.domains.symbolic import train as T
    from m2kt.domains.symbolic.generators import modular_task, taxonomy_task
    from m2kt.domains.symbolic.tokenizer import build_tokenizer, vocabulary
    task = {"taxonomy": taxonomy_task, "modular": modular_task}[task_name](**kw)
    tok = build_tokenizer(vocabulary(w for s in task.splits.values() for e in s
                                     for w in e.text.split()))
    T.TEACHER_SHAPE["num_hidden_layers"] = layers
    t = time.time()
    m = T.train_teacher(task, tok, T.TrainConfig(steps=steps, lr=lr, weight_decay=wd,
                                                 batch=batch), 0, device=DEVICE)
    acc = {s: round(T.accuracy(m.cpu(), tok, [e.text for e in task.splits[s]],
                               [e.label for e in task.splits[s]]), 3) for s in task.splits}
    return {"task": task_name, "kw": kw, "steps": steps, "lr": lr, "wd": wd, "batch": batch,
            "layers": layers, "acc": acc, "sec": round(time.time() - t, 1)}


DEVICE = sys.argv[1] if len(sys.argv) > 1 else "cpu"
if __name__ == "__main__":
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    import multiprocessing
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
        for r in ex.map(run, CONFIGS):
            print(json.dumps(r), flush=True)
