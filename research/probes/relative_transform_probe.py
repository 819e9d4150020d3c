"""Issue 16, direction 2 (dev only): does a transform of the relative profile transfer better?

    python research/probes/relative_transform_probe.py [--words 2000] [--out FILE]

The packet's relative readout describes an input by its cosines to each side's own vectors of
shared strings (the concepts' labels and W public words), z-scored by the side's own inputs;
the teacher fits a softmax head on its profiles, the student reads it with its own
(:mod:`m2kt.concepts.relative`). The student's profile of an input is only an approximation
of the teacher's. This probe asks whether a transform applied to each profile row before the
z-scoring — one a student can apply to its own profile with nothing more from the teacher —
makes the teacher's head read the student's profiles better:

- ``cos``: the cosines as they are (the packet's readout today);
- ``row``: each row standardised by its own mean and spread (removes a per-input offset and
  scale in which two models' cosine profiles differ);
- ``rank``: each cosine replaced by its rank within its row, divided by the row's length
  (invariant to any per-input monotone distortion);
- ``topK``: the K largest cosines of each row kept, the others set to the row's K-th largest
  (a sparse profile of the nearest strings, after ASIF, Norelli et al., 2023);
- ``cos+layers``: ``cos``, with the teacher's head fitted on its profiles at its last *and*
  second-to-last layer (each with that layer's string vectors) stacked — an augmentation that
  asks the head to hold across two different spaces of the same inputs;
- ``centre``: ``cos`` of vectors from which each side first subtracts the mean of its own
  inputs (the teacher: its ``teacher_train``; the student: its pool) — decoder LMs' hidden
  states share a large common direction that dominates their cosines;
- ``cos@λ``: ``cos`` with the head's L2 strength fixed at λ instead of chosen on the teacher's
  own held-out inputs (of 1e-4, 1e-3, 1e-2, by agreement with itself): a smoother head may
  transfer better than the one that best copies the teacher (agreement is then not measured).
- ``anchors@μ``: ``cos``, then the student adapts the packet's head on 88 crossing inputs
  (drawn at random from its pool, seeds 0–2; a packet's anchors carry their teacher vectors,
  which the packet's readout turns into the teacher's answers): the cross-entropy to those
  answers on the student's own profiles of them, plus μ‖W − W₀‖² towards the shipped weights
  (L2-SP, Li et al., 2018; ``m2kt.heads.refit_towards``) — a correction of the profile's
  distortion learnt from the anchors.
  Rows report the mean over the three draws (``dev_*_seeds``: each).

Each head is fitted as the packet's is (``concept_readout.fit_head``, the L2 strength chosen on
a held-out part of the teacher's own inputs, in the span of the profiles) and read directly by
the student on ``dev``: plain, and with the per-concept offsets that make its pool's answers
follow the packet's concept prior (``+prior``, what the default's first stage does). No label of
any split but the teacher's own ``teacher_train`` is read, except ``dev``'s to score. Pairs:
MiniLM-L6 → MiniLM-L3 on supersense and gloss, SmolLM2-135M → MiniLM-L3 on gloss (the
cross-architecture pair's valid task). Writes
``research/results/relative-transform-probe.json``.
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
         ("gloss", "smollm2-135m", "minilm-l3"))
KINDS = ("cos", "row", "rank", "top50", "cos+layers")  # the default; ``--kinds`` takes
L2_KINDS = ("centre", "cos@0.01", "cos@0.1", "cos@1")  # these too
SP_KINDS = tuple(f"anchors@{m}" for m in ("0.001", "0.01", "0.1", "1", "3", "10", "30"))
N_ANCHORS, SP_SEEDS = 88, (0, 1, 2)


def transform(r: np.ndarray, kind: str) -> np.ndarray:
    """(n, S) cosines → (n, S) transformed profile rows (``kind`` as in the module doc)."""
    kind = kind.partition("@")[0]
    if kind.startswith("cos") or kind in ("centre", "anchors"):
        return r
    if kind == "row":
        return (r - r.mean(1, keepdims=True)) / (r.std(1, keepdims=True) + 1e-9)
    if kind == "rank":
        return np.argsort(np.argsort(r, 1), 1).astype(np.float64) / r.shape[1]
    k = int(kind.removeprefix("top"))
    kth = np.partition(r, r.shape[1] - k, axis=1)[:, [r.shape[1] - k]]
    return np.maximum(r, kth)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=2000)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS + L2_KINDS + SP_KINDS)
    ap.add_argument("--pairs", type=int, nargs="+", default=list(range(len(PAIRS))),
                    help="indices into PAIRS (default: all)")
    ap.add_argument("--out", default=str(ROOT / "research/results/"
                                              "relative-transform-probe.json"))
    args = ap.parse_args()

    from m2kt.concepts import readout as concept_readout
    from m2kt.concepts.relative import profiles, zscore
    from m2kt.concepts.teacher import load_teacher
    from m2kt.concepts.words import public_words
    from m2kt.domains.base import Example
    from m2kt.domains.registry import get_task
    from m2kt.heads import fit_softmax, refit_towards
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode
    from m2kt.ssl import prior_offsets

    rows = []
    for i in args.pairs:
        task_name, tname, sname = PAIRS[i]
        t0 = time.time()
        task = get_task(task_name)
        teacher = load_teacher(task, tname)
        student = load(sname)
        last = teacher.lm.info.layers  # build-packet's default layer
        train = list(task.splits["teacher_train"])
        proba = teacher.proba(train)
        h_t = teacher.hidden(train, [last, last - 1]).astype(np.float64)
        pool = [e.text for e in task.splits["transfer_pool"]]
        dev = list(task.splits["dev"])
        y = np.array([e.label for e in dev])
        s_pool = cached_encode(student, pool).astype(np.float64)
        s_dev = cached_encode(student, [e.text for e in dev]).astype(np.float64)
        strings = [c.label for c in task.concepts] + public_words(task, args.words)
        ex = [Example(text=s, label=0, key=f"w:{s}") for s in strings]
        a_t = teacher.hidden(ex, [last, last - 1]).astype(np.float64)
        a_s = cached_encode(student, strings).astype(np.float64)
        prior = np.bincount(proba.argmax(1), minlength=proba.shape[1]).astype(float)
        prior /= prior.sum()
        base = None  # the ``anchors@μ`` kinds' shared head
        for kind in args.kinds:
            t1 = time.time()
            mu_s = s_pool.mean(0) if kind == "centre" else 0.0
            r_s_pool, r_s_dev = profiles(s_pool - mu_s, a_s - mu_s), profiles(s_dev - mu_s,
                                                                               a_s - mu_s)
            layers = (0, 1) if kind.endswith("+layers") else (0,)
            feats = []
            for j in layers:
                mu_t = h_t[j].mean(0) if kind == "centre" else 0.0
                r_t = transform(profiles(h_t[j] - mu_t, a_t[j] - mu_t), kind)
                feats.append(zscore(r_t, r_t))
            x, p = np.concatenate(feats), np.concatenate([proba] * len(layers))
            if kind.startswith("anchors@"):  # the packet's head, as ``cos`` fits it: once
                base = base or concept_readout.fit_head(x, p, span=True)
                head, agree = base
            elif "@" in kind:  # the L2 strength fixed: one fit on every input
                l2 = float(kind.partition("@")[2])
                head = fit_softmax(x, p, p.shape[1], l2_grid=(l2,), span=True)
                agree = float("nan")
            else:
                head, agree = concept_readout.fit_head(x, p, span=True)
            ref = transform(r_s_pool, kind)
            z_pool, z_dev = zscore(ref, ref), zscore(transform(r_s_dev, kind), ref)
            heads = [head]
            if kind.startswith("anchors@"):
                mu, heads = float(kind.partition("@")[2]), []
                for sd in SP_SEEDS:
                    idx = np.random.default_rng(sd).choice(len(pool), N_ANCHORS, replace=False)
                    p_a = teacher.proba([task.splits["transfer_pool"][i] for i in idx])
                    heads.append(refit_towards(head, z_pool[idx], p_a, mu))
            plain, calib = [], []
            for h in heads:
                sc_pool, sc_dev = h.logits(z_pool), h.logits(z_dev)
                off = prior_offsets(sc_pool, prior)
                plain.append(float((sc_dev.argmax(1) == y).mean()))
                calib.append(float(((sc_dev + off).argmax(1) == y).mean()))
            row = {"task": task_name, "teacher": tname, "student": sname, "words": args.words,
                   "kind": kind, "teacher_agreement": None if agree != agree else round(agree, 4),
                   "dev_plain": round(float(np.mean(plain)), 4),
                   "dev_prior": round(float(np.mean(calib)), 4),
                   "seconds": round(time.time() - t1, 1)}
            if len(heads) > 1:
                row |= {"dev_plain_seeds": [round(a, 4) for a in plain],
                        "dev_prior_seeds": [round(a, 4) for a in calib]}
            rows.append(row)
            print(json.dumps(row), flush=True)
        print(f"{task_name} {tname}→{sname}: {time.time() - t0:.0f} s", flush=True)
    Path(args.out).write_text(json.dumps({
        "command": "python research/probes/relative_transform_probe.py " + " ".join(sys.argv[1:]),
        "split": "dev", "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
