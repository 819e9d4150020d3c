"""Dev probe of method v3, direction 1: a task-independent atlas, then only the task's readout.

An atlas is the teacher's vectors of ``k`` public strings chosen without any task (the first
``k`` whole words of the MiniLM vocabulary, :func:`m2kt.atlas.atlas_strings`). The student
encodes the same strings itself and fits a linear map of its features into the teacher's on
those pairs (ridge, its strength chosen by held-out atlas pairs: no label, no task). Per task,
only the teacher's readout (its head over its own features) and its class prior cross; the
student answers ``readout(map(student(x)))`` — zero task strings. Beside it, with the same
information: ``kd_words``, a student head distilled from the teacher's answers on the same
``k`` strings (which the atlas and the readout together let a student compute), each with and
without the teacher's class prior applied on the student's own pool. Context: the student's
start is in the committed reports; KD on the whole pool is the ceiling.

Scored on ``dev``; nothing reads a gold label but dev's, to score.

    python research/probes/atlas_probe.py [--tasks supersense gloss] [--sizes 2000 10000]
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

def main() -> int:
    from m2kt.align.atlas import fit_atlas_map
    from m2kt.atlas import atlas_strings
    from m2kt.bench.arms import teacher_histogram
    from m2kt.bench.kd import kd_head, with_prior
    from m2kt.concepts.teacher import load_teacher
    from m2kt.concepts.words import overlap
    from m2kt.domains.base import Example
    from m2kt.domains.language import features
    from m2kt.domains.registry import get_task
    from m2kt.models import load

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["supersense", "gloss"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[2000, 10000])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--json", default=str(ROOT / "research/results/atlas-probe.json"))
    args = ap.parse_args()
    out: dict = {"command": "python research/probes/atlas_probe.py " + " ".join(sys.argv[1:]),
                 "split": "dev", "tasks": {}}
    for name in args.tasks:
        t0 = time.perf_counter()
        task = get_task(name)
        teacher = load_teacher(task)
        student = load(task.student)
        pool, dev = list(task.splits["transfer_pool"]), list(task.splits["dev"])
        y_dev = np.array([e.label for e in dev])
        prior = teacher_histogram(task, teacher)
        head = teacher.head
        fs_pool, fs_dev = features(student, task, pool), features(student, task, dev)
        t_pool = teacher.proba(pool).astype(np.float64)
        t_ok = teacher.proba(dev).argmax(1) == y_dev
        row: dict = {"teacher_dev": float(t_ok.mean()),
                     "kd_full": [], "sizes": {}}
        for s in range(args.seeds):
            h, _ = kd_head(fs_pool, t_pool, s)
            row["kd_full"].append(float((h.predict(fs_dev) == y_dev).mean()))
        for k in args.sizes:
            strings = atlas_strings(k)
            # dev items that are not atlas strings: scored apart, where neither the map nor
            # kd_words saw the teacher on the item itself (dev only)
            seen = {w.strip().casefold() for w in strings}
            unseen = np.array([e.text.strip().casefold() not in seen for e in dev])
            words = [Example(text=w, label=0, key=f"atlas:{i}") for i, w in enumerate(strings)]
            ft, fs = features(teacher.lm, task, words), features(student, task, words)
            amap = fit_atlas_map(fs, ft)
            alpha = amap.alpha
            z_dev = head.logits(amap.transform(fs_dev))
            z_pool = head.logits(amap.transform(fs_pool))
            t_words = teacher.proba(words).astype(np.float64)
            kd, kd_prior, kd_prior_unseen = [], [], []
            for s in range(args.seeds):
                h, _ = kd_head(fs, t_words, s)
                kd.append(float((h.predict(fs_dev) == y_dev).mean()))
                ok = with_prior(h.logits(fs_pool), h.logits(fs_dev), prior) == y_dev
                kd_prior.append(float(ok.mean()))
                kd_prior_unseen.append(float(ok[unseen].mean()))
            ok_atlas = with_prior(z_pool, z_dev, prior) == y_dev
            r = {"atlas_strings": len(strings), "ridge_alpha": alpha,
                 "atlas": float((z_dev.argmax(1) == y_dev).mean()),
                 "atlas_prior": float(ok_atlas.mean()),
                 "kd_words": kd, "kd_words_prior": kd_prior,
                 "dev_items_not_in_the_atlas": int(unseen.sum()),
                 "teacher_on_those": float(t_ok[unseen].mean()),
                 "atlas_prior_on_those": float(ok_atlas[unseen].mean()),
                 "kd_words_prior_on_those": kd_prior_unseen,
                 "strings_equal_to_a_dev_input": overlap(strings, [e.text for e in dev])}
            row["sizes"][str(k)] = r
            print(name, k, json.dumps(r), flush=True)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        out["tasks"][name] = row
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
