"""Where the language track's ceiling gap comes from, on ``dev``: the route M2KT takes (an
affine map of the frozen student's features into the teacher's space, read by the teacher's
head) against the route KD takes (a softmax head on the same frozen features fitted to the
teacher's answers), each given N of the transfer pool's inputs with what the teacher has
for them — its *vectors* for the map, its *answers* for KD.

A diagnostic, not a method: it reads the teacher's vectors and answers on up to the whole
pool (what no ingestion reads) to bound what each route can reach, and scores on ``dev``.
Per (pair, task) and N (random pool rows drawn with the seed; "all" = the pool):

- ``map``: ridge student → teacher fitted on the N rows (each space centred on those rows;
  L2 by generalised cross-validation), the teacher's own head reading the mapped ``dev``
  inputs;
- ``map+prior``: the same answers with per-concept offsets that make the pool's answers
  follow the teacher's answer histogram on the N rows (the label-free prior step M2KT
  ends with; :func:`m2kt.ssl.prior_offsets`);
- ``kd``: the bench's ``kd`` arm on the N rows (:func:`m2kt.bench.kd.frozen_head`: logit KD,
  temperature and L2 chosen on its own rows).

Writes ``research/results/route-probe.json`` and prints one line per measurement.

Usage: python research/probes/route_probe.py [--sizes 88 500 2000 0] [--seeds 3]
       (0 = every pool input)
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
OUT = ROOT / "docs" / "results" / "research" / "route-probe.json"
#: (task, teacher model or None for the task's own): the two valid language tasks on the
#: default pair and supersense on the cross-architecture pair
PAIRS = (("supersense", None), ("gloss", None), ("supersense", "smollm2-135m"))


def map_answers(s_fit: np.ndarray, t_fit: np.ndarray, head, *s_evals: np.ndarray
                ) -> list[np.ndarray]:
    """Teacher-head logits (m, k) of each ``s_evals`` array (m, d_s) mapped by one ridge
    student → teacher fitted on the paired rows ``(s_fit, t_fit)`` ((n, d_s), (n, d_t)), each
    side centred on its fit rows and the teacher's mean added back."""
    from m2kt.align import make

    ms, mt = s_fit.mean(0), t_fit.mean(0)
    fitted = make("ridge").fit(s_fit - ms, t_fit - mt)
    return [head.logits((fitted.transform(x - ms) + mt).astype(np.float32)) for x in s_evals]


def probe_pair(task_name: str, teacher_name: str | None, sizes: list[int], seeds: int
               ) -> dict:
    """Per N: ``{"map", "map+prior", "kd"}`` → dev accuracy per seed; plus the teacher's
    and the student's figures."""
    from m2kt import ssl
    from m2kt.bench.kd import frozen_head
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.language import features
    from m2kt.domains.registry import get_task
    from m2kt.models import load

    task = get_task(task_name)
    teacher = load_teacher(task, name=teacher_name)
    student = load(task.student)
    pool, dev = list(task.splits["transfer_pool"]), list(task.splits["dev"])
    y = np.array([e.label for e in dev])
    s_pool, s_dev = features(student, task, pool), features(student, task, dev)
    t_pool = features(teacher.lm, task, pool)
    p_pool = teacher.proba(pool).astype(np.float64)
    k = p_pool.shape[1]
    t_dev_acc = float((teacher.head.logits(features(teacher.lm, task, dev)).argmax(1) == y)
                      .mean())
    out: dict = {"teacher": teacher.name, "student": student.info.name,
                 "teacher_acc": t_dev_acc, "pool": len(pool), "dev": len(dev), "by_n": {}}
    for n in sizes:
        n_eff = len(pool) if n <= 0 or n >= len(pool) else n
        runs: dict[str, list[float]] = {"map": [], "map+prior": [], "kd": []}
        for seed in range(1 if n_eff == len(pool) else seeds):
            # the draw of TaskBench.subset (the bench's KD inputs for this N and seed)
            rows = (np.arange(len(pool)) if n_eff == len(pool) else
                    np.sort(np.random.default_rng(1000 + seed).permutation(len(pool))[:n_eff]))
            z_dev, z_pool = map_answers(s_pool[rows], t_pool[rows], teacher.head, s_dev, s_pool)
            prior = np.bincount(p_pool[rows].argmax(1), minlength=k) / len(rows)
            off = ssl.prior_offsets(z_pool, prior)
            runs["map"].append(float((z_dev.argmax(1) == y).mean()))
            runs["map+prior"].append(float(((z_dev + off).argmax(1) == y).mean()))
            runs["kd"].append(frozen_head(s_pool[rows], p_pool[rows], s_dev, y, seed).acc)
            print(json.dumps({"task": task_name, "teacher": teacher.name, "n": n_eff,
                              "seed": seed, **{m: round(v[-1], 4) for m, v in runs.items()}}),
                  flush=True)
        out["by_n"][str(n_eff)] = {m: {"accs": v, "mean": float(np.mean(v))}
                                   for m, v in runs.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[88, 500, 2000, 0])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    t0 = time.perf_counter()
    res = {f"{t}|{m or 'default'}": probe_pair(t, m, a.sizes, a.seeds) for t, m in PAIRS}
    OUT.write_text(json.dumps({
        "command": "python research/probes/route_probe.py --sizes "
                   f"{' '.join(map(str, a.sizes))} --seeds {a.seeds}",
        "split": "dev",
        "reads": "the teacher's vectors and answers on up to the whole transfer pool "
                 "(a diagnostic of the two routes; no ingestion reads them)",
        "pairs": res, "seconds": round(time.perf_counter() - t0)}, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
