"""Settings of the ``transductive`` ingestion stage, on ``dev`` (never ``test``).

    python research/probes/transductive_probe.py [--tasks supersense,gloss,multistep] [--only TEXT]
                                         [--tag NAME] [--relative-words W]

Per task, one packet (64 anchors chosen by the teacher, as the default variant's) is built and
approved; then ingestion runs once per setting below — the stage's rounds, spreading strength
α, kept share per concept, prior offsets, with anchors or zero crossing — plus the variants
without the stage (``anchors-relative``, ``relative``) as references, and each new student is
scored on ``dev``. ``--only`` keeps the settings whose name contains TEXT (``A|B``: either). Writes
``research/results/transductive-probe[-<tag>].json``; one torch thread.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "results" / "research" / "transductive-probe.json"

#: (name, base variant, changes to it, stage constants α, keep and refit targets)
_OFF, _ON = {"prior_offsets": False}, {"prior_offsets": True}
_C = "centroid"  # the refit targets of the first runs (before "shifted" existed)
SETTINGS = [
    ("anchors-relative", "anchors-relative", {}, None),
    ("rounds 1", "transductive", {"transductive_rounds": 1, **_OFF}, (0.8, 0.5, _C)),
    ("rounds 2", "transductive", {"transductive_rounds": 2, **_OFF}, (0.8, 0.5, _C)),
    ("rounds 4", "transductive", {"transductive_rounds": 4, **_OFF}, (0.8, 0.5, _C)),
    ("rounds 1, keep 0.3", "transductive", {"transductive_rounds": 1, **_OFF}, (0.8, 0.3, _C)),
    ("rounds 1, keep 0.8", "transductive", {"transductive_rounds": 1, **_OFF}, (0.8, 0.8, _C)),
    ("rounds 1, alpha 0.95", "transductive", {"transductive_rounds": 1, **_OFF},
     (0.95, 0.5, _C)),
    ("rounds 1, prior offsets", "transductive", {"transductive_rounds": 1, **_ON},
     (0.8, 0.5, _C)),
    ("relative", "relative", {}, None),
    ("zero crossing, rounds 1", "relative-transductive", _OFF, (0.8, 0.5, _C)),
    ("zero crossing, rounds 1, prior offsets", "relative-transductive", _ON, (0.8, 0.5, _C)),
    ("shifted targets, rounds 1, with offsets", "transductive", _ON, (0.8, 0.5, "shifted")),
    ("shifted targets, zero crossing, rounds 1, with offsets", "relative-transductive", _ON,
     (0.8, 0.5, "shifted")),
    # direction 2: the relative readout's pool answers follow the packet's prior before the map
    ("relative, prior-calibrated", "relative", {"relative_prior": True}, None),
    ("shifted targets, zero crossing, prior-calibrated relative, with offsets",
     "relative-transductive", {**_ON, "relative_prior": True}, (0.8, 0.5, "shifted")),
    ("shifted targets, prior-calibrated relative candidate, with offsets", "transductive",
     {**_ON, "relative_prior": True}, (0.8, 0.5, "shifted")),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="supersense,gloss,multistep")
    ap.add_argument("--only", default="",
                    help="only the settings whose name contains this (A|B: either)")
    ap.add_argument("--tag", default="", help="suffix of the output file's name")
    ap.add_argument("--relative-words", type=int, default=0,
                    help="public words in the packet's relative readout (direction 2)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    import m2kt.ingest.stages.transductive as stage
    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.ingest import variants as V
    from m2kt.ingest.trainer import ingest

    out = {"command": "python research/probes/transductive_probe.py " + " ".join(sys.argv[1:]),
           "split": "dev", "anchors": 64, "relative_words": args.relative_words, "runs": []}
    tmp = Path(tempfile.mkdtemp())
    for name in args.tasks.split(","):
        task = get_task(name)
        built = build_and_approve(task, load_teacher(task), 64, tmp, anchor_selection="kmeans",
                                  relative_words=args.relative_words)
        for label, base, changes, consts in SETTINGS:
            if not any(o in label for o in args.only.split("|")):
                continue
            V.VARIANTS["probe"] = dataclasses.replace(V.VARIANTS[base], name="probe", **changes)
            stage.ALPHA, stage.KEEP, stage.TARGETS = consts or (0.8, 0.5, "shifted")
            t0 = time.perf_counter()
            r = ingest(built.packet, tmp / f"{name}-{len(out['runs'])}", variant="probe",
                       eval_split="dev")
            figures = {s["stage"]: s["figures"] for s in r.extra["stages"]}
            run = {"task": name, "setting": label, "dev": round(r.accuracy, 4),
                   "crossing_inputs": r.ledger.crossing_inputs,
                   "transductive": figures.get("transductive"),
                   "gates_failed": [g.name for g in r.gates if g.failed],
                   "seconds": round(time.perf_counter() - t0, 1)}
            out["runs"].append(run)
            print(json.dumps(run), flush=True)
    path = OUT.with_name(f"{OUT.stem}-{args.tag}.json") if args.tag else OUT
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
