"""Dev probe: KD's ``_prior`` answers with and without the student's own label-name scores
(:func:`m2kt.bench.kd.names_weight`), per task, KD input count and seed, on ``dev`` only.

    python research/probes/kd_names_probe.py [--tasks supersense gloss] [--sizes 16 64 128 256 512]
                                     [--seeds 3] [--json research/results/kd-names-probe.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["supersense", "gloss"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[16, 64, 128, 256, 512])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--json", default="research/results/kd-names-probe.json")
    args = ap.parse_args()
    import m2kt.bench.arms as arms
    from m2kt.bench.arms import TaskBench
    from m2kt.domains.registry import get_task

    real = arms.names_weight
    seeds = list(range(args.seeds))
    out: dict = {"split": "dev", "command": "python research/probes/kd_names_probe.py " +
                 " ".join(sys.argv[1:]), "tasks": {}}
    for name in args.tasks:
        tb = TaskBench(get_task(name), "dev", "cpu", lambda *a, **k: None)
        rows = []
        for n in args.sizes:
            sets = [tb.subset(n, s) for s in seeds]
            arms.names_weight = lambda *a, **k: 0.0  # noqa: E731 — the head alone
            old, _ = tb.kd_pair(sets, seeds, ssl_too=False)
            arms.names_weight = real
            new, _ = tb.kd_pair(sets, seeds, ssl_too=False)
            row = {"inputs": n, "kd": float(np.mean([r.acc for r in old])),
                   "kd_prior": float(np.mean([r.acc_prior for r in old])),
                   "kd_prior_names": float(np.mean([r.acc_prior for r in new])),
                   "weights": [r.choice for r in new]}
            rows.append(row)
            print(name, row, flush=True)
        out["tasks"][name] = {"prior_arm": tb.prior(len(seeds))["acc"], "points": rows}
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
