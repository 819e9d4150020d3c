"""Exploration: long-training sweep of taxonomy teachers (prints test accuracy as it trains).

Usage: python scripts/tax_sweep.py DEVICE STEPS
"""
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

BASE = dict(kw={"extra_negatives": 8}, lr=1e-3, wd=1.0, batch=128, hidden=128, layers=2)
VARIANTS = [
    {},
    {"kw": {"extra_negatives": 8, "fractions": (0.7, 0.15, 0.15)}},
    {"kw": {"extra_negatives": 0}},
    {"wd": 3.0},
    {"lr": 3e-4},
    {"hidden": 256},
    {"kw": {"extra_negatives": 8, "leaves": 24}},
    {"batch": 512},
    {"layers": 1},
    {"kw": {"extra_negatives": 8, "fractions": (0.7, 0.15, 0.15)}, "wd": 3.0},
]


def run(i):
    cfg = {**BASE, **VARIANTS[i]}
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, ".")
    from m2kt.domains.symbolic import train as T
    from m2kt.domains.symbolic.generators import taxonomy_task
    from m2kt.domains.symbolic.tokenizer import build_tokenizer, vocabulary
    task = taxonomy_task(**cfg["kw"])
    tok = build_tokenizer(vocabulary(w for s in task.splits.values() for e in s
                                     for w in e.text.split()))
    test = task.splits["test"]
    curve = []

    def on_step(step, model):
        if step % 2000 == 0:
            m = model
            enc = tok([e.text for e in test], padding=True, return_tensors="pt").to(DEVICE)
            m.eval()
            with torch.no_grad():
                pred = m(**enc).logits.argmax(-1).cpu().numpy()
            acc = float((pred == [e.label for e in test]).mean())
            curve.append((step, round(acc, 3)))
            print(json.dumps({"variant": i, "step": step, "test": acc}), flush=True)

    shape = dict(hidden_size=cfg["hidden"], num_hidden_layers=cfg["layers"],
                 num_attention_heads=4, intermediate_size=4 * cfg["hidden"])
    t = time.time()
    m = T.train_teacher(task, tok, T.TrainConfig(steps=STEPS, lr=cfg["lr"],
                        weight_decay=cfg["wd"], batch=cfg["batch"]), 0, device=DEVICE,
                        shape=shape, on_step=on_step)
    acc = {s: round(T.accuracy(m, tok, [e.text for e in task.splits[s]],
                               [e.label for e in task.splits[s]]), 3) for s in task.splits}
    return {"variant": i, "cfg": {k: v for k, v in cfg.items()}, "acc": acc, "curve": curve,
            "sec": round(time.time() - t, 1)}


DEVICE = sys.argv[1] if len(sys.argv) > 1 else "cpu"
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
if __name__ == "__main__":
    with ProcessPoolExecutor(len(VARIANTS), mp_context=multiprocessing.get_context("spawn")) as ex:
        for r in ex.map(run, range(len(VARIANTS))):
            print("FINAL " + json.dumps(r), flush=True)
