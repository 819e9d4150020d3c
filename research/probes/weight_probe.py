"""The composite loss's weights on ``dev``: each variant ingested with the default λ and with
terms turned off, paired by seed (the same packet per task, seed and variant).

Per task, seed, variant and weight setting: the dev accuracy, whether every post-ingestion
gate passed, and the alignment gate's figure. Writes
``research/results/<out>.json`` and prints each setting's paired difference from the
default weights (setting − default, mean ± 95 % CI over seeds).

Usage: python research/probes/weight_probe.py --out weight-probe-symbolic
       [--tasks taxonomy modular multistep] [--variants transductive-words transductive-shot]
       [--settings geo=0 reason=0 geo=0,reason=0] [--seeds 3] [--first-seed 0]
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
DEFAULT = "default"


def parse_setting(text: str) -> dict[str, float]:
    """``"geo=0,reason=0.5"`` → ``{"geo": 0.0, "reason": 0.5}``; ``"default"`` → ``{}``."""
    if text == DEFAULT:
        return {}
    out = {}
    for part in text.split(","):
        k, _, v = part.partition("=")
        out[k.strip()] = float(v)
    return out


def one_run(built, seed: int, variant: str, weights: dict[str, float]) -> dict:
    """Ingest ``built`` once on dev: ``{"acc", "passed", "alignment"}``."""
    from m2kt.bench.m2kt_run import ingest_approved

    r = ingest_approved(built, seed, variant=variant, weights=weights, eval_split="dev")
    g = next(x for x in r.gates if x.name.startswith("alignment"))
    return {"acc": r.accuracy, "passed": r.passed, "alignment": g.figure}


def probe(tasks: list[str], variants: list[str], settings: list[str],
          seeds: range) -> dict:
    """``{task: {variant: {setting: {"runs": [per seed], "diff": paired vs default}}}}``."""
    from graph_probe import paired

    from m2kt.bench.m2kt_run import build_and_approve
    from m2kt.bench.run import packet_words
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import get_variant

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in tasks:
            task, t0 = get_task(name), time.perf_counter()
            teacher = load_teacher(task)
            res: dict = {v: {s: {"runs": []} for s in settings} for v in variants}
            for seed in seeds:
                builds: dict = {}  # one packet per way of building it (variant_probe's rule)
                for v in variants:
                    var = get_variant(v)
                    how = (var.anchor_selection, packet_words(task, var))
                    if how not in builds:
                        builds[how] = build_and_approve(task, teacher, 64, Path(tmp), seed=seed,
                                                        anchor_selection=how[0],
                                                        relative_words=how[1])
                    for s in settings:
                        run = one_run(builds[how], seed, v, parse_setting(s))
                        res[v][s]["runs"].append(run)
                        print(json.dumps({"task": name, "seed": seed, "variant": v,
                                          "setting": s, **run}), flush=True)
            for v in variants:
                base = [r["acc"] for r in res[v][DEFAULT]["runs"]]
                for s in settings:
                    accs = [r["acc"] for r in res[v][s]["runs"]]
                    res[v][s]["diff"] = None if s == DEFAULT else paired(accs, base)
                    res[v][s]["gates_passed"] = sum(r["passed"] for r in res[v][s]["runs"])
            out[name] = {"variants": res, "seconds": round(time.perf_counter() - t0)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="file name under research/results/")
    ap.add_argument("--tasks", nargs="+", default=["taxonomy", "modular", "multistep"])
    ap.add_argument("--variants", nargs="+", default=["transductive-words", "transductive-shot"])
    ap.add_argument("--settings", nargs="+", default=["geo=0", "reason=0", "geo=0,reason=0"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds first-seed … first-seed + seeds − 1 (more dev evidence)")
    a = ap.parse_args()
    seeds = range(a.first_seed, a.first_seed + a.seeds)
    settings = [DEFAULT, *[s for s in a.settings if s != DEFAULT]]
    out = probe(a.tasks, a.variants, settings, seeds)
    path = RESEARCH / f"{a.out}.json"
    path.write_text(json.dumps({
        "command": f"python research/probes/weight_probe.py --out {a.out} --tasks {' '.join(a.tasks)} "
                   f"--variants {' '.join(a.variants)} --settings {' '.join(a.settings)} "
                   f"--seeds {a.seeds} --first-seed {a.first_seed}",
        "split": "dev", "seeds": list(seeds),
        "difference": "setting − default weights, paired by seed",
        "tasks": out}, indent=2) + "\n")
    for name, r in out.items():
        for v, by in r["variants"].items():
            for s, x in by.items():
                print(name, v, s, x["diff"], f"gates passed {x['gates_passed']}/{a.seeds}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
