"""Two ingestion variants on ``dev`` with seeds, M2KT alone (no KD arm), paired by seed.

Per task and seed, each variant's packet is built as the bench builds it (its anchor
selection, 64 anchors drawn with the seed, its public words; one build when the two variants
build alike), approved by the bench policy and ingested; the student is scored on ``dev``.
Writes ``research/results/<out>.json`` (accuracies, and the figures of each variant's
distinct stages per run) and prints the paired differences (second − first).

Usage: python research/probes/variant_probe.py --variants transductive-words shot --out shot-probe
       [--tasks supersense gloss multistep] [--seeds 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
RESEARCH = ROOT / "docs" / "results" / "research"


def probe(variants: tuple[str, str], tasks: list[str], seeds: int) -> dict:
    """``{task: {"accs": {variant: [acc per seed]}, "diff": paired(second, first),
    "stage_figures": {variant: [per seed {stage: figures} of its distinct stages]},
    "seconds"}}``."""
    from graph_probe import paired

    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.bench.run import packet_l2, packet_words
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import get_variant

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in tasks:
            task, t0 = get_task(name), time.perf_counter()
            teacher = load_teacher(task)
            acc: dict[str, list[float]] = {v: [] for v in variants}
            figs: dict[str, list[dict]] = {v: [] for v in variants}
            for seed in range(seeds):
                built = {}
                for v in variants:
                    var = get_variant(v)
                    how = (var.anchor_selection, packet_words(task, var),
                           packet_l2(task, var))
                    if how not in built:
                        built[how] = build_and_approve(task, teacher, 64, Path(tmp), seed=seed,
                                                       anchor_selection=how[0],
                                                       relative_words=how[1],
                                                       relative_l2=how[2])
                    r = ingest_approved(built[how], seed, variant=v, eval_split="dev")
                    acc[v].append(r.accuracy)
                    figs[v].append({s["stage"]: s["figures"] for s in r.extra["stages"]
                                    if s["stage"] in var.distinct_stages()})
                print(json.dumps({"task": name, "seed": seed,
                                  **{v: acc[v][-1] for v in variants}}), flush=True)
            out[name] = {"accs": acc, "diff": paired(acc[variants[1]], acc[variants[0]]),
                         "stage_figures": figs, "seconds": round(time.perf_counter() - t0)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", nargs=2, required=True)
    ap.add_argument("--out", required=True, help="file name under research/results/")
    ap.add_argument("--tasks", nargs="+", default=["supersense", "gloss", "multistep"])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    out = probe(tuple(a.variants), a.tasks, a.seeds)
    path = RESEARCH / f"{a.out}.json"
    path.write_text(json.dumps({
        "command": f"python research/probes/variant_probe.py --variants {' '.join(a.variants)} "
                   f"--out {a.out} --tasks {' '.join(a.tasks)} --seeds {a.seeds}",
        "split": "dev", "variants": a.variants,
        "difference": f"{a.variants[1]} − {a.variants[0]}, paired by seed", "tasks": out},
        indent=2) + "\n")
    for name, r in out.items():
        print(name, r["diff"])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
