"""The abstraction graph on ``dev``: how well the teacher-extracted graph matches each task's
reference, and what the structural term does to the default variant's dev accuracy.

Per task and seed, one packet is built exactly as the bench builds the default variant's
(its anchor selection, 64 anchors drawn with the seed, its public words) with the graph
extraction ``--graph`` (:data:`m2kt.graph.methods.GRAPH_METHODS`; ``auto`` = the build's
default), approved by the bench policy, and ingested twice on ``dev``: with λ_struct = 0.2
(the weight ``research/probes/dev_choices.py`` chose) and with the structural term off. The reference
graph is read only to score the packet's edges (precision / recall,
:func:`m2kt.graph.compare.score_graph`).

Writes ``research/results/graph-probe[-TAG].json`` and prints one line per run.

Usage: python research/probes/graph_probe.py [--tasks supersense …] [--seeds 3] [--graph auto]
       [--tag TAG]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT_DIR = ROOT / "docs" / "results" / "research"
#: λ_struct of the "on" runs: the weight research/probes/dev_choices.py chose on dev before this probe
STRUCT_ON = 0.2


def paired(on: list[float], off: list[float]) -> dict[str, float]:
    """Mean of (struct on − struct off) over seeds, its ddof-1 std and a t-based 95 % CI
    half-width (0 with one seed)."""
    from scipy import stats

    d = np.asarray(on) - np.asarray(off)
    sd = float(d.std(ddof=1)) if len(d) > 1 else 0.0
    half = float(stats.t.ppf(0.975, len(d) - 1) * sd / np.sqrt(len(d))) if len(d) > 1 else 0.0
    return {"mean": float(d.mean()), "std": sd, "ci95_half": half}


def main() -> None:
    from m2kt.bench.m2kt_run import build_and_approve, ingest_approved
    from m2kt.bench.run import packet_words
    from m2kt.concepts.teacher import load_teacher
    from m2kt.domains.names import TASKS
    from m2kt.domains.registry import get_task
    from m2kt.graph.compare import score_graph
    from m2kt.graph.methods import GRAPH_METHODS
    from m2kt.ingest import variants as V

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--graph", default="auto", choices=list(GRAPH_METHODS))
    ap.add_argument("--tag", default="")
    a = ap.parse_args()
    var = V.get_variant(V.DEFAULT_VARIANT)
    lam = STRUCT_ON
    out = OUT_DIR / f"graph-probe{'-' + a.tag if a.tag else ''}.json"
    tasks: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.tasks:
            task = get_task(name)
            teacher = load_teacher(task)
            t_task = time.perf_counter()
            rec: dict = {"struct_on": [], "struct_off": [], "edges": [], "reference": None}
            for seed in range(a.seeds):
                b = build_and_approve(task, teacher, 64, Path(tmp), seed=seed,
                                      anchor_selection=var.anchor_selection,
                                      relative_words=packet_words(task, var),
                                      graph_method=a.graph)
                edges = [e.model_dump() for e in b.packet.graph.edges]
                rec["method"] = b.packet.graph.method
                rec["edges"].append(len(edges))
                if task.reference is not None:
                    rec["reference"] = score_graph(edges, task.reference)
                for key, w in (("struct_on", lam), ("struct_off", 0.0)):
                    r = ingest_approved(b, seed, weights={"struct": w}, eval_split="dev")
                    rec[key].append(r.accuracy)
                print(json.dumps({"task": name, "seed": seed, "edges": len(edges),
                                  "on": rec["struct_on"][-1], "off": rec["struct_off"][-1]}),
                      flush=True)
            rec["effect"] = paired(rec["struct_on"], rec["struct_off"])
            rec["seconds"] = round(time.perf_counter() - t_task)
            tasks[name] = rec
    command = "python research/probes/graph_probe.py " + " ".join(
        ["--tasks", *a.tasks, "--seeds", str(a.seeds), "--graph", a.graph]
        + (["--tag", a.tag] if a.tag else []))
    for rec in tasks.values():
        rec["command"] = command
    old = json.loads(out.read_text()).get("tasks", {}) if out.is_file() else {}
    out.write_text(json.dumps({"split": "dev", "variant": var.name, "lambda_struct": lam,
                               "graph": a.graph, "tasks": {**old, **tasks}},
                              indent=2) + "\n")  # other tasks' committed runs are kept
    for name, rec in tasks.items():
        e = rec["effect"]
        print(f"{name}: struct on {np.mean(rec['struct_on']):.4f} off "
              f"{np.mean(rec['struct_off']):.4f}  effect {e['mean']:+.4f} ± {e['ci95_half']:.4f}"
              f"  reference {rec['reference']}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
