"""Dev probe of the reasoning track's validity (BENCHMARK v3), before any M2KT figure is read.

For each reasoning task (m2kt/domains/reasoning.py) on ``dev``:

* teacher: SmolLM2-135M, last-token states of layers 15, 22 and 30 concatenated, a logistic
  head trained on ``teacher_train`` (C chosen on a held-out 20 % of teacher_train);
* student start: MiniLM-L3 answering by cosine to the label names (mean pooling);
* strong prior: those scores re-balanced to the teacher's class histogram (offsets fitted on
  the pool so the student's answers match the histogram; no per-example teacher output);
* KD on the full pool: (a) frozen MiniLM-L3 + logistic head, (b) MiniLM-L3 with its top block
  adapting (m2kt/models/toplayer.py), both on the teacher's soft answers on every pool input.

Valid when teacher − start ≥ 0.10, the strong prior closes ≤ 25 % of the gap and KD on the
full pool (the adapting student) closes ≥ 75 %.

    python research/probes/reasoning_probe.py [--tasks syllogism chainsum ...] [--json OUT]
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

TEACHER_LAYERS = (15, 22, 30)
CAPS = {"teacher_train": 1500, "transfer_pool": 2000, "dev": 600}


def balance_offsets(scores: np.ndarray, hist: np.ndarray, iters: int = 200) -> np.ndarray:
    """Per-class offsets b so that argmax(scores + b) over the rows matches ``hist`` (k,)."""
    b = np.zeros(scores.shape[1])
    for _ in range(iters):
        got = np.bincount((scores + b).argmax(1), minlength=len(b)) / len(scores)
        b += 0.5 * (np.log(hist + 1e-3) - np.log(got + 1e-3)) * scores.std()
    return b


def logistic(x: np.ndarray, y: np.ndarray, xs: list[np.ndarray], c: float) -> list[np.ndarray]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    sc = StandardScaler().fit(x)
    m = LogisticRegression(C=c, max_iter=2000).fit(sc.transform(x), y)
    return [m.predict_proba(sc.transform(z)) for z in xs], m.classes_


def main() -> int:
    from m2kt.domains.reasoning import (
        DEFAULT_PROBLEMS,
        RTASKS,
        SPECS,
        generate,
        split_problems,
    )
    from m2kt.models import load
    from m2kt.models.extract import encode
    from m2kt.models.toplayer import TopStudent, lower_states

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(RTASKS))
    ap.add_argument("--json", default=str(ROOT / "research/results/reasoning-probe.json"))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--caps", type=int, nargs=3, default=list(CAPS.values()),
                    metavar=("TRAIN", "POOL", "DEV"),
                    help="at most this many teacher_train, transfer_pool and dev problems")
    args = ap.parse_args()
    caps = dict(zip(CAPS, args.caps, strict=True))
    teacher = load("smollm2-135m")
    student = load("minilm-l3")
    out: dict = {"command": "python research/probes/reasoning_probe.py " + " ".join(sys.argv[1:]),
                 "split": "dev", "caps": caps, "teacher_layers": TEACHER_LAYERS, "tasks": {}}
    for name in args.tasks:
        t0 = time.perf_counter()
        labels = SPECS[name][0]
        k = len(labels)
        sp = split_problems(generate(name, DEFAULT_PROBLEMS, 0), 0)
        rng = np.random.default_rng(0)
        data = {}
        for s, cap in caps.items():
            ex = list(sp[s])
            if len(ex) > cap:
                ex = [ex[i] for i in sorted(rng.choice(len(ex), cap, replace=False))]
            data[s] = ([e.text for e in ex], np.array([e.label for e in ex]))
        print(f"{name}: encoding with the teacher", flush=True)
        ft = {s: encode(teacher, data[s][0], layers=list(TEACHER_LAYERS), pooling="last",
                        template="", max_length=192, batch_size=32)
              for s in caps}
        ft = {s: np.concatenate(list(v), axis=1) for s, v in ft.items()}
        xt, yt = ft["teacher_train"], data["teacher_train"][1]
        cut = int(0.8 * len(yt))
        best = max((0.01, 0.1, 1.0), key=lambda c, xt=xt, yt=yt, cut=cut: float(
            (logistic(xt[:cut], yt[:cut], [xt[cut:]], c)[0][0].argmax(1) == yt[cut:]).mean()))
        (p_pool, p_dev, p_tr), cls = logistic(xt, yt, [ft["transfer_pool"], ft["dev"], xt], best)
        full = np.zeros((len(p_pool), k))
        full[:, cls] = p_pool
        t_pool = full
        fd = np.zeros((len(p_dev), k))
        fd[:, cls] = p_dev
        y_dev = data["dev"][1]
        teacher_acc = float((fd.argmax(1) == y_dev).mean())
        ftr = np.zeros((len(p_tr), k))
        ftr[:, cls] = p_tr
        hist = np.bincount(ftr.argmax(1), minlength=k) / len(ftr)
        # the student's start: cosine to label names
        print(f"{name}: the student", flush=True)
        fs = {s: encode(student, data[s][0], layers=-1, pooling="mean", template="",
                        max_length=192) for s in ("transfer_pool", "dev")}
        lab = encode(student, list(labels), layers=-1, pooling="mean", template="")

        def unit(z):
            return z / np.linalg.norm(z, axis=1, keepdims=True)

        cos = {s: unit(v) @ unit(lab).T for s, v in fs.items()}
        start = float((cos["dev"].argmax(1) == y_dev).mean())
        b = balance_offsets(cos["transfer_pool"], hist)
        prior = float(((cos["dev"] + b).argmax(1) == y_dev).mean())
        # KD on the full pool, frozen student
        (q_dev,), qcls = logistic(fs["transfer_pool"], t_pool.argmax(1), [fs["dev"]], 1.0)
        kd_frozen = float((qcls[q_dev.argmax(1)] == y_dev).mean())
        # KD on the full pool, top block adapting, soft answers
        st_pool = lower_states(student, data["transfer_pool"][0], max_length=192)
        st_dev = lower_states(student, data["dev"][0], max_length=192)
        kd_adapt = []
        for seed in (0, 1):
            ts = TopStudent(student, k, seed).fit(st_pool, t_pool, epochs=args.epochs, seed=seed)
            kd_adapt.append(float((ts.logits(st_dev).argmax(1) == y_dev).mean()))
        gap = teacher_acc - start

        def share(a: float, start: float = start, gap: float = gap) -> float | None:
            return (a - start) / gap if gap > 0 else None

        row = {"labels": list(labels), "sizes": {s: len(v[1]) for s, v in data.items()},
               "majority_dev": float(np.bincount(y_dev, minlength=k).max() / len(y_dev)),
               "teacher_C": best, "teacher": teacher_acc, "start": start, "prior": prior,
               "kd_full_frozen": kd_frozen, "kd_full_adapt": kd_adapt,
               "gap": gap, "prior_share": share(prior), "kd_frozen_share": share(kd_frozen),
               "kd_adapt_share": share(float(np.mean(kd_adapt))),
               "seconds": round(time.perf_counter() - t0, 1)}
        row["valid"] = bool(gap >= 0.10 and row["prior_share"] <= 0.25
                            and row["kd_adapt_share"] >= 0.75)
        out["tasks"][name] = row
        print(json.dumps({name: row}), flush=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
