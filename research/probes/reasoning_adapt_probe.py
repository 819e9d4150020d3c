"""Dev probe: does letting the reasoning track's student adapt raise what KD can reach?

For each registered reasoning task, KD on the teacher's soft answers on the whole
``transfer_pool``, scored on ``dev``: (a) the frozen student (MiniLM-L3 mean-pooled, a softmax
head — what the benchmark's arms and M2KT train), (b) the same student with its top encoder
block adapting (:class:`m2kt.models.toplayer.TopStudent`, over cached lower-layer states),
at a few training settings and seeds. The teacher is the task's own (SmolLM2-135M with its
cached head); nothing reads a gold label but dev's, to score.

    python research/probes/reasoning_adapt_probe.py [--tasks sign boolexpr propeval]
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

#: (epochs, block learning rate, head learning rate) tried for the adapting student
SETTINGS = ((8, 1e-4, 2e-3), (16, 5e-5, 2e-3), (8, 3e-4, 5e-3))


def main() -> int:
    from m2kt.bench.kd import kd_head
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.language import features
    from m2kt.domains.names import REASONING_TASKS
    from m2kt.domains.registry import get_task
    from m2kt.models import load
    from m2kt.models.toplayer import TopStudent, lower_states

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(REASONING_TASKS))
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--json",
                    default=str(ROOT / "research/results/reasoning-adapt-probe.json"))
    args = ap.parse_args()
    out: dict = {"command": "python research/probes/reasoning_adapt_probe.py " + " ".join(sys.argv[1:]),
                 "split": "dev", "settings": [list(s) for s in SETTINGS], "tasks": {}}
    for name in args.tasks:
        t0 = time.perf_counter()
        task = get_task(name)
        teacher = load_teacher(task)
        student = load(task.student)
        pool, dev = list(task.splits["transfer_pool"]), list(task.splits["dev"])
        y_dev = np.array([e.label for e in dev])
        t_pool = teacher.proba(pool).astype(np.float64)
        teacher_dev = float((teacher.proba(dev).argmax(1) == y_dev).mean())
        f_pool, f_dev = features(student, task, pool), features(student, task, dev)
        frozen = []
        for s in range(args.seeds):
            head, _ = kd_head(f_pool, t_pool, s)
            frozen.append(float((head.logits(f_dev).argmax(1) == y_dev).mean()))
        st_pool = lower_states(student, [e.text for e in pool])
        st_dev = lower_states(student, [e.text for e in dev])
        adapt = {}
        for ep, lr_b, lr_h in SETTINGS:
            accs = []
            for s in range(args.seeds):
                ts = TopStudent(student, len(task.labels), s).fit(
                    st_pool, t_pool, epochs=ep, lr_block=lr_b, lr_head=lr_h, seed=s)
                accs.append(float((ts.logits(st_dev).argmax(1) == y_dev).mean()))
            adapt[f"epochs {ep}, block lr {lr_b:g}, head lr {lr_h:g}"] = accs
            print(name, ep, lr_b, lr_h, accs, flush=True)
        best = max(adapt, key=lambda k: float(np.mean(adapt[k])))
        row = {"teacher_dev": teacher_dev, "kd_full_frozen": frozen,
               "kd_full_adapting": adapt, "best_adapting": best,
               "adapting_minus_frozen": float(np.mean(adapt[best]) - np.mean(frozen)),
               "seconds": round(time.perf_counter() - t0, 1)}
        out["tasks"][name] = row
        print(json.dumps({name: row}), flush=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
