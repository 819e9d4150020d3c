"""Issue 16, direction 2 (dev only): relative representations over a large shared vocabulary.

    python research/probes/vocab_relative_probe.py [--sizes 0 500 2000 5000] [--out FILE]

Each model describes an input by its cosines to *its own* vectors of shared strings — the
concepts' labels (what the packet's ``relative`` readout uses today) plus K public words —
z-scored with the statistics of its own inputs (Moschella et al., 2023). The teacher fits a
softmax head on its profiles of its own ``teacher_train`` inputs to its own answers; the
student computes the same profiles with its own encoder and reads the head. Zero crossing: no
task input is shared, only the strings.

The public word list is :func:`m2kt.concepts.words.public_words`: the whole-word part of the
MiniLM tokenizer's vocabulary (lower-case, ≥ 4 letters, in vocabulary order) with every word of
every task input removed (no split's text crosses as a word).
Optionally each space is centred on the mean of its own inputs before the cosines (``centre``).
The student's answers are read alone (``plain``) and with per-concept offsets that make its
pool's answers follow the packet's concept prior (``+prior``, :func:`m2kt.ssl.prior_offsets`).

A second use of the same shared strings (``method = map``): they are paired points of the two
spaces, so a ridge map student → teacher is fitted on them (each space centred on its own
inputs' mean; λ by 5-fold cross-validation on the strings), and the teacher's readout (a
softmax head on its own vectors, fitted to its own answers) reads the mapped student inputs.

Pairs: minilm-l6 → minilm-l3 on supersense and gloss; smollm2-135m → minilm-l3 on supersense
(the cross-architecture pair). Accuracy on ``dev``; writes
``research/results/vocab-relative-probe.json``.
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
PAIRS = (("supersense", "minilm-l6", "minilm-l3"), ("gloss", "minilm-l6", "minilm-l3"),
         ("supersense", "smollm2-135m", "minilm-l3"))


def profile(x: np.ndarray, anchors: np.ndarray, ref: np.ndarray, centre: bool) -> np.ndarray:
    """(n, d) inputs → (n, A) cosines to ``anchors``, z-scored by the ``ref`` inputs' profiles;
    with ``centre`` every vector first loses the mean of ``ref``."""
    from m2kt.concepts.relative import profiles, zscore

    mu = ref.mean(0) if centre else 0.0
    r = profiles(x - mu, anchors - mu)
    return zscore(r, profiles(ref - mu, anchors - mu))


def ridge_cv(x: np.ndarray, y: np.ndarray, lams=(1e-2, 1e-1, 1.0, 10.0, 100.0)) -> np.ndarray:
    """(d_s, d_t) ridge weights x → y, λ (scaled by the mean eigenvalue) by 5-fold CV."""
    folds = np.arange(len(x)) % 5
    scale = np.trace(x.T @ x) / x.shape[1]

    def fit(xa: np.ndarray, ya: np.ndarray, lam: float) -> np.ndarray:
        return np.linalg.solve(xa.T @ xa + lam * scale * np.eye(x.shape[1]), xa.T @ ya)

    err = [sum(((x[folds == f] @ fit(x[folds != f], y[folds != f], lam) - y[folds == f]) ** 2)
               .sum() for f in range(5)) for lam in lams]
    return fit(x, y, lams[int(np.argmin(err))])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 500, 2000, 5000])
    ap.add_argument("--out", default=str(ROOT / "research/results/vocab-relative-probe.json"))
    args = ap.parse_args()

    from m2kt.concepts import readout as concept_readout
    from m2kt.concepts.teacher import load_teacher
    from m2kt.concepts.words import public_words
    from m2kt.domains.base import Example
    from m2kt.domains.registry import get_task
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode
    from m2kt.ssl import prior_offsets

    rows = []
    for task_name, tname, sname in PAIRS:
        t0 = time.time()
        task = get_task(task_name)
        teacher = load_teacher(task, tname)
        student = load(sname)
        main_layer = teacher.lm.info.layers  # the last layer: build-packet's default
        train = list(task.splits["teacher_train"])
        proba = teacher.proba(train)
        h_t = teacher.hidden(train, [main_layer])[0].astype(np.float64)
        pool = [e.text for e in task.splits["transfer_pool"]]
        dev = list(task.splits["dev"])
        y = np.array([e.label for e in dev])
        s_pool = cached_encode(student, pool).astype(np.float64)
        s_dev = cached_encode(student, [e.text for e in dev]).astype(np.float64)
        words = public_words(task, max(args.sizes))
        labels = [c.label for c in task.concepts]
        prior = np.bincount(proba.argmax(1), minlength=len(labels)).astype(float)
        prior /= prior.sum()
        head_t, _ = concept_readout.fit_head(h_t, proba)
        for k in args.sizes:
            strings = labels + words[:k]
            a_t = teacher.hidden([Example(text=s, label=0, key=f"w:{s}") for s in strings],
                                 [main_layer])[0].astype(np.float64)
            a_s = cached_encode(student, strings).astype(np.float64)
            for centre in (False, True):
                head, agree = concept_readout.fit_head(profile(h_t, a_t, h_t, centre), proba)
                sc_pool = head.logits(profile(s_pool, a_s, s_pool, centre))
                sc_dev = head.logits(profile(s_dev, a_s, s_pool, centre))
                off = prior_offsets(sc_pool, prior)
                row = {"task": task_name, "teacher": tname, "student": sname, "words": k,
                       "strings": len(strings), "method": "relative", "centre": centre,
                       "teacher_agreement": round(agree, 4),
                       "dev_plain": round(float((sc_dev.argmax(1) == y).mean()), 4),
                       "dev_prior": round(float(((sc_dev + off).argmax(1) == y).mean()), 4)}
                rows.append(row)
                print(json.dumps(row), flush=True)
            if len(strings) >= 100:
                mu_t, mu_s = h_t.mean(0), s_pool.mean(0)
                w = ridge_cv(a_s - mu_s, a_t - mu_t)
                sc_pool = head_t.logits((s_pool - mu_s) @ w + mu_t)
                sc_dev = head_t.logits((s_dev - mu_s) @ w + mu_t)
                off = prior_offsets(sc_pool, prior)
                row = {"task": task_name, "teacher": tname, "student": sname, "words": k,
                       "strings": len(strings), "method": "map",
                       "dev_plain": round(float((sc_dev.argmax(1) == y).mean()), 4),
                       "dev_prior": round(float(((sc_dev + off).argmax(1) == y).mean()), 4)}
                rows.append(row)
                print(json.dumps(row), flush=True)
        print(f"{task_name} {tname}→{sname}: {time.time() - t0:.0f} s", flush=True)
    Path(args.out).write_text(json.dumps({
        "command": "python research/probes/vocab_relative_probe.py " + " ".join(sys.argv[1:]),
        "split": "dev", "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
