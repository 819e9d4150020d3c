"""Direction 4 on ``dev`` with seeds: the default variant against ``typical-anchors`` (the same
ingestion, anchors chosen by typicality), M2KT alone (no KD arm), paired by seed.

Per task and seed, each variant's packet is built as the bench builds it (its anchor
selection, 64 anchors drawn with the seed, its public words), approved by the bench policy
and ingested; the student is scored on ``dev``. Writes
``research/results/anchor-probe.json`` and prints the paired differences.

Usage: python research/probes/anchor_probe.py [--tasks supersense gloss multistep] [--seeds 3]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "anchor-probe.json"
VARIANTS = ("transductive-words", "typical-anchors")


def main() -> None:
    from variant_probe import probe

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["supersense", "gloss", "multistep"])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    out = {name: {"accs": r["accs"], "typical_minus_default": r["diff"],
                  "seconds": r["seconds"]}
           for name, r in probe(VARIANTS, a.tasks, a.seeds).items()}
    OUT.write_text(json.dumps({"command": "python research/probes/anchor_probe.py --tasks "
                               + " ".join(a.tasks) + f" --seeds {a.seeds}", "split": "dev",
                               "variants": list(VARIANTS), "tasks": out}, indent=2) + "\n")
    for name, r in out.items():
        print(name, r["typical_minus_default"])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
