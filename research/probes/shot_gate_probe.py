"""Direction 5 on ``dev``: does the ``shot`` stage keep the alignment gate? Multistep, 3 seeds,
the default ``transductive-words`` against ``transductive-shot`` with 25 / 50 / 100 SHOT steps
(the same packet per seed); per run the dev accuracy and the alignment gate (top-1 retrieval
of the held-out anchors minus its permutation null, ≥ 0.05 to pass).

Writes ``research/results/shot-gate-probe.json``.

Usage: python research/probes/shot_gate_probe.py
"""
from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "shot-gate-probe.json"
STEPS = (25, 50, 100)


def main() -> None:
    import m2kt.ingest.variants as V
    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.bench.run import packet_words
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task

    task = get_task("multistep")
    teacher = load_teacher(task)
    base = V.VARIANTS["transductive-shot"]
    names = {"transductive-words": "transductive-words"}
    for st in STEPS:  # registered for this process only
        names[f"transductive-shot, {st} steps"] = f"probe-shot-{st}"
        V.VARIANTS[f"probe-shot-{st}"] = replace(base, name=f"probe-shot-{st}", shot_steps=st)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(3):
            built = build_and_approve(task, teacher, 64, Path(tmp), seed=seed,
                                      anchor_selection=base.anchor_selection,
                                      relative_words=packet_words(task, base))
            for label, v in names.items():
                r = ingest_approved(built, seed, variant=v, eval_split="dev")
                g = next(x for x in r.gates if x.name.startswith("alignment"))
                runs.append({"seed": seed, "variant": label, "acc": r.accuracy,
                             "alignment_gate": g.figure, "passed": g.passed, "detail": g.detail})
                print(json.dumps(runs[-1]), flush=True)
    OUT.write_text(json.dumps({"command": "python research/probes/shot_gate_probe.py", "split": "dev",
                               "task": "multistep", "runs": runs}, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
