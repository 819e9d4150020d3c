"""The relative readout's span: found from a sample of rows against the full decomposition.

    python scripts/bench_span.py [--json FILE]

:func:`m2kt.heads.fit_softmax` fits the relative readout in an orthonormal basis of the span of
its standardised features — the teacher's cosines to its own vectors of the concept labels and
10,000 public words, rank ≤ its width + 1. :func:`m2kt.heads._row_span` used to take that basis
from the eigendecomposition of the (strings × strings) matrix ``zᵀz``; it now takes it from a
2,048-row sample, checked against every row (:func:`m2kt.heads._sampled_span`). For the
default pair's supersense (MiniLM-L6) and the cross pair's gloss (SmolLM2-135M), on the
teacher's ``teacher_train`` inputs with the words a packet of that task carries by default,
this times both on one thread (as in a ``bench --workers 2`` process on two cores) and
compares the bases: their dimension and ``max |(|BᵀB_full|) − I|`` (the same basis up to
signs gives 0). Reads the workspace's caches (``M2KT_HOME``); no split but ``teacher_train``
is read. Writes ``docs/results/perf/span.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CASES = (("supersense", "minilm-l6"), ("gloss", "smollm2-135m"))


def features(task_name: str, teacher_name: str) -> np.ndarray:
    """The standardised relative-readout features (n, S) that ``fit_softmax`` decomposes."""
    from m2kt.concepts import relative
    from m2kt.concepts.teacher import load_teacher
    from m2kt.concepts.words import WORDS_10K, public_words
    from m2kt.domains.base import Example
    from m2kt.domains.registry import get_task

    task = get_task(task_name)
    teacher = load_teacher(task, teacher_name)
    last = teacher.lm.info.layers
    h = teacher.hidden(list(task.splits["teacher_train"]), [last])[0]
    strings = relative.reference_strings([c.label for c in task.concepts],
                                         public_words(task, WORDS_10K))
    a = teacher.hidden([Example(text=s, label=0, key=f"ref:{s}") for s in strings], [last])[0]
    r = relative.profiles(h, a)
    x = relative.zscore(r, r).astype(np.float64)
    return (x - x.mean(0)) / (x.std(0) + 1e-6)  # as fit_softmax standardises


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", default=str(ROOT / "docs/results/perf/span.json"))
    args = ap.parse_args()
    import torch

    from m2kt.heads import _row_span

    torch.set_num_threads(1)
    try:  # numpy's BLAS on one thread too, where threadpoolctl is installed
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    out = {"command": "python scripts/bench_span.py", "cases": {}}
    for task_name, teacher_name in CASES:
        z = features(task_name, teacher_name)
        t0 = time.perf_counter()
        sampled = _row_span(z)
        t1 = time.perf_counter()
        full = _row_span(z, sample=len(z) + z.shape[1])  # no sample: the (d, d) decomposition
        t2 = time.perf_counter()
        row = {"teacher": teacher_name, "shape": list(z.shape),
               "seconds_sampled": round(t1 - t0, 1), "seconds_full": round(t2 - t1, 1),
               "speedup": round((t2 - t1) / max(t1 - t0, 1e-9), 1),
               "dims_sampled": None if sampled is None else sampled.shape[1],
               "dims_full": None if full is None else full.shape[1]}
        if sampled is not None and full is not None and sampled.shape == full.shape:
            row["max_basis_gap"] = float(np.abs(np.abs(sampled.T @ full) - np.eye(len(full.T)))
                                         .max())
        out["cases"][task_name] = row
        print(json.dumps({task_name: row}), flush=True)
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
