"""Softmax heads in float32 against float64: the same optimum, how much faster?

    python scripts/bench_heads.py [--tasks supersense,hypernymy] [--json FILE]

For each task, the packet readout's own problem (the teacher's hidden states of its
``teacher_train`` inputs, features as :mod:`m2kt.concepts.readout` builds them, fitted to the
teacher's answer distributions) is solved by :func:`m2kt.heads._fit` at L2 = 1e-3 in float32
(the code's precision) and, for reference, by the same L-BFGS in float64. One thread
(``torch.set_num_threads(1)``), as in a ``bench --workers 2`` process on two cores. Prints one
JSON object per task: seconds and objective of each, the objective's relative gap and the share
of inputs whose argmax agrees. Reads the workspace's caches (``M2KT_HOME``); no split but
``teacher_train`` is read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def objective(z: np.ndarray, t: np.ndarray, w: np.ndarray, b: np.ndarray, l2: float) -> float:
    """The L2-regularised cross-entropy of ``heads._fit``, in float64."""
    s = z @ w.T.astype(np.float64) + b
    s -= s.max(1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(1, keepdims=True))
    return float(-(t * logp).sum(1).mean() + l2 * (w.astype(np.float64) ** 2).sum())


def fit64(z: np.ndarray, t: np.ndarray, l2: float, iters: int = 300):
    """``heads._fit`` as it was before float32: the same L-BFGS settings in float64."""
    xt, tt = torch.from_numpy(z), torch.from_numpy(t)
    w = torch.zeros(t.shape[1], z.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(t.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=iters, history_size=20,
                            line_search_fn="strong_wolfe", tolerance_grad=1e-7)

    def closure():
        opt.zero_grad()
        loss = -(tt * torch.log_softmax(xt @ w.T + b, 1)).sum(1).mean() + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), b.detach().numpy()


def problem(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Standardised readout features (n, f) and the teacher's distributions (n, L)."""
    from m2kt.concepts import readout
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    task = get_task(name)
    teacher = load_teacher(task)
    inputs = list(task.splits["teacher_train"])
    proba = teacher.proba(inputs).astype(np.float64)
    h = teacher.hidden(inputs, [teacher.lm.info.layers])[0]
    queries = None
    if task.name == "hypernymy":  # the pair readout: centroid of the queried concept
        cidx = {c.id: i for i, c in enumerate(task.concepts)}
        queries = np.array([cidx[e.query] for e in inputs])
        cent = np.stack([h[queries == i].mean(0) if (queries == i).any() else h.mean(0)
                         for i in range(len(cidx))])
        x = readout.features(h, cent, queries)
    else:
        x = h
    x = x.astype(np.float64)
    return (x - x.mean(0)) / (x.std(0) + 1e-6), proba


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="supersense,hypernymy")
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--json", help="also write the result here")
    args = ap.parse_args()
    from m2kt.heads import _fit

    torch.set_num_threads(1)
    out = {"command": "python scripts/bench_heads.py", "l2": args.l2, "tasks": {}}
    for name in args.tasks.split(","):
        z, t = problem(name)
        t0 = time.perf_counter()
        w64, b64 = fit64(z, t, args.l2)
        s64 = time.perf_counter() - t0
        t0 = time.perf_counter()
        w32, b32 = _fit(z, t, t.shape[1], args.l2, 300)
        s32 = time.perf_counter() - t0
        o64, o32 = objective(z, t, w64, b64, args.l2), objective(z, t, w32, b32, args.l2)
        same = float(((z @ w64.T + b64).argmax(1) == (z @ w32.T + b32).argmax(1)).mean())
        out["tasks"][name] = {"shape": list(z.shape) + [t.shape[1]],
                              "seconds_float64": round(s64, 2), "seconds_float32": round(s32, 2),
                              "speedup": round(s64 / s32, 2),
                              "objective_float64": o64, "objective_float32": o32,
                              "objective_rel_gap": (o32 - o64) / abs(o64),
                              "argmax_agreement": same}
        print(json.dumps({name: out["tasks"][name]}), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
