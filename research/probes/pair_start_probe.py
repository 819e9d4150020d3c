"""How much of a pair task's zero-crossing figure the student has alone: its label-free
answer ``cos(word, category name) > threshold`` with one global median (the bench's
``student_before``) and with a per-category median of its own unlabelled pool (a calibration
the student can do without any packet). Scored on ``dev`` only.

Writes ``research/results/pair-start-probe.json``.

Usage: python research/probes/pair_start_probe.py [--task hypernymy]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "pair-start-probe.json"


def main() -> None:
    from m2kt.concepts.relative import profiles
    from m2kt.domains.registry import get_task
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="hypernymy")
    a = ap.parse_args()
    task = get_task(a.task)
    lm = load(task.student)
    cid = {c.id: i for i, c in enumerate(task.concepts)}
    names = cached_encode(lm, [c.label for c in task.concepts])
    yes = task.labels.index("yes")

    def cosines(split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        exs = task.splits[split]
        q = np.array([cid[e.query] for e in exs])
        cos = profiles(cached_encode(lm, [e.text for e in exs]), names)[np.arange(len(q)), q]
        return cos, q, np.array([e.label for e in exs])

    cos_d, q_d, y_d = cosines("dev")
    cos_p, q_p, _ = cosines("transfer_pool")  # unlabelled: its labels are never read
    glob = (cos_d > np.median(cos_d)).astype(int)
    thr = np.array([np.median(cos_p[q_p == c]) if (q_p == c).any() else np.median(cos_p)
                    for c in range(len(cid))])
    per = (cos_d > thr[q_d]).astype(int)
    ans = {"global median of dev": glob, "per-category median of the student's pool": per}
    res = {k: float(((v == 1) == (y_d == yes)).mean()) for k, v in ans.items()}
    OUT.write_text(json.dumps({"command": f"python research/probes/pair_start_probe.py --task {a.task}",
                               "task": a.task, "split": "dev", "n": len(y_d),
                               "accuracy": res}, indent=2) + "\n")
    print(res)


if __name__ == "__main__":
    main()
