"""Direction 4 on ``dev`` with seeds: the default variant against ``typical-anchors`` (the same
ingestion, anchors chosen by typicality), M2KT alone (no KD arm), paired by seed.

Per task and seed, each variant's packet is built as the bench builds it (its anchor
selection, 64 anchors drawn with the seed, its public words), approved by the bench policy
and ingested; the student is scored on ``dev``. Writes
``docs/results/research/anchor-probe.json`` and prints the paired differences.

Usage: python scripts/anchor_probe.py [--tasks supersense gloss multistep] [--seeds 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "anchor-probe.json"
VARIANTS = ("transductive-words", "typical-anchors")


def main() -> None:
    from graph_probe import paired

    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.bench.run import packet_words
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import get_variant

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["supersense", "gloss", "multistep"])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.tasks:
            task, t0 = get_task(name), time.perf_counter()
            teacher = load_teacher(task)
            acc: dict[str, list[float]] = {v: [] for v in VARIANTS}
            for seed in range(a.seeds):
                for v in VARIANTS:
                    var = get_variant(v)
                    b = build_and_approve(task, teacher, 64, Path(tmp), seed=seed,
                                          anchor_selection=var.anchor_selection,
                                          relative_words=packet_words(task, var))
                    acc[v].append(ingest_approved(b, seed, variant=v, eval_split="dev").accuracy)
                print(json.dumps({"task": name, "seed": seed,
                                  **{v: acc[v][-1] for v in VARIANTS}}), flush=True)
            out[name] = {"accs": acc, "typical_minus_default": paired(acc[VARIANTS[1]],
                                                                       acc[VARIANTS[0]]),
                         "seconds": round(time.perf_counter() - t0)}
    OUT.write_text(json.dumps({"command": "python scripts/anchor_probe.py --tasks "
                               + " ".join(a.tasks) + f" --seeds {a.seeds}", "split": "dev",
                               "variants": list(VARIANTS), "tasks": out}, indent=2) + "\n")
    for name, r in out.items():
        print(name, r["typical_minus_default"])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
