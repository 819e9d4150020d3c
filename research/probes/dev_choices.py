"""Ingestion defaults chosen on ``dev`` (never ``test``): the structural weight λ_struct and the
readout of the relative map.

Per task and seed, one packet is built (the default variant's anchor selection, anchors drawn
with the seed) and approved by the bench policy; the student ingests it once per candidate and
is scored on ``dev``. Writes ``research/results/dev-choices.json`` and prints the means.

Usage: python research/probes/dev_choices.py [--tasks supersense gloss …] [--seeds 3]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "dev-choices.json"

STRUCT = (0.0, 0.05, 0.2, 1.0)
READOUTS = ("cosine", "centroid")


def main() -> None:
    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.names import TASKS
    from m2kt.domains.registry import get_task
    from m2kt.ingest import variants as V

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    base = V.get_variant(V.DEFAULT_VARIANT)
    for r in READOUTS:  # candidates registered for this run only
        V.VARIANTS[f"dev-readout-{r}"] = dataclasses.replace(base, name=f"dev-readout-{r}",
                                                             relative_readout=r)
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.tasks:
            task = get_task(name)
            teacher = load_teacher(task)
            acc: dict[str, list[float]] = {}
            for seed in range(a.seeds):
                b = build_and_approve(task, teacher, 64, Path(tmp),
                                      anchor_selection=base.anchor_selection, seed=seed)
                for lam in STRUCT:
                    r = ingest_approved(b, seed, weights={"struct": lam}, eval_split="dev")
                    acc.setdefault(f"struct={lam}", []).append(r.accuracy)
                for ro in READOUTS:
                    r = ingest_approved(b, seed, variant=f"dev-readout-{ro}", eval_split="dev")
                    acc.setdefault(f"relative readout={ro}", []).append(r.accuracy)
                    acc.setdefault(f"chosen map ({ro})", []).append(r.extra["method"])
                print(json.dumps({"task": name, "seed": seed,
                                  **{k: v[-1] for k, v in acc.items()}}), flush=True)
            runs[name] = acc
    old = json.loads(OUT.read_text()) if OUT.is_file() else {}
    command = "python research/probes/dev_choices.py " + " ".join(
        ["--tasks", *a.tasks, "--seeds", str(a.seeds)])
    merged = {**old.get("runs", {}), **runs}  # other tasks' committed runs are kept
    commands = {**old.get("commands", {}), **{name: command for name in runs}}
    OUT.write_text(json.dumps({"split": "dev", "variant": V.DEFAULT_VARIANT,
                               "struct_candidates": list(STRUCT), "readouts": list(READOUTS),
                               "commands": commands, "runs": merged}, indent=2) + "\n")
    for name, acc in runs.items():
        means = {k: round(sum(v) / len(v), 4) for k, v in acc.items()
                 if not k.startswith("chosen")}
        print(name, means)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
