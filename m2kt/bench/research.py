"""The research log (``research/log.md``): every ingestion variant on every task against KD,
measured on ``dev`` (every research choice reads dev only; ``test`` scores the final report).

``python -m m2kt research-log [--seeds N]`` runs the benchmark once per variant on the ``dev``
split (quick sweep unless ``--seeds`` > 1, no ablations), keeps each run's JSON under
``research/results/`` and rewrites the generated table between the markers of the log;
the written paragraphs around it are kept as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from m2kt.bench.report import _beats_prior, _pct
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.writer import write_atomic


def rows(variant: str, result: dict[str, Any]) -> list[str]:
    from m2kt.bench.figures import derived
    from m2kt.bench.report import _crossing, _gates, _reduction

    out = []
    for name, t in result["tasks"].items():
        t = {**t, **derived(t)}  # derived figures, recomputed from the file's measurements
        m = t["methods"]["m2kt"]
        n = t["kd_parity_inputs"]
        best = max((a for a in (t["methods"].get("kd"), t["methods"].get("kd_prior")) if a),
                   key=lambda a: a["acc"])
        v = t.get("validity") or {}
        out.append(
            f"| `{variant}` | {name} | {t.get('split', 'test')} | "
            f"{m['acc']:.3f} ± {m.get('acc_std', 0):.3f} | {_gates(m)} | "
            f"{t['methods']['prior']['acc']:.3f} | {_beats_prior(t)} | "
            f"{_pct(t['retention'])} | {_crossing(m)} | {best['acc']:.3f} | "
            f"{'none' if n is None else f'{n:,.0f}'} | {_reduction(t)} | "
            f"{'—' if v.get('valid') is None else ('yes' if v['valid'] else 'no')} | "
            f"{m['seconds']:.0f} | {len(result['meta']['seeds'])} |")
    return out


def table(results: dict[str, dict[str, Any]]) -> str:
    head = ("| variant | task | split | M2KT acc | gates passed | prior | beats prior "
            "(one-sided p) | retention | crossing | KD @ same count (best of with and "
            "without the class histogram) | KD parity | reduction at parity [95 % CI] | "
            "valid | seconds | seeds |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    body = [r for v, res in results.items() for r in rows(v, res)]
    return "\n".join([head, *body]) + "\n"


def splice_between(doc: str, generated: str, tag: str = "generated") -> str:
    """Replace the text between ``<!-- TAG:start -->`` and ``<!-- TAG:end -->`` (appending
    the markers when absent)."""
    start, end = f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"
    block = f"{start}\n{generated}{end}"
    if start in doc and end in doc:
        return doc[:doc.index(start)] + block + doc[doc.index(end) + len(end):]
    return doc.rstrip() + "\n\n" + block + "\n"


def run_variants(variants: list[str], seeds: int = 1, progress: Progress = no_progress,
                 tasks: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """``bench --split dev --no-ablations --variant V`` for every ``V`` in one process: per
    task the KD arms that do not depend on the variant (sweeps, the prior, KD at an equal
    budget) are measured once and shared, so every variant meets the same baselines."""
    import tempfile
    import time

    from m2kt.bench.discipline import commit
    from m2kt.bench.run import BenchOptions, bench_task, run_meta, task_bench
    from m2kt.concepts.words import reads_words
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import get_variant

    code = commit()  # the code that runs: read when the run starts
    opts = {v: BenchOptions(quick=seeds <= 1, seeds=seeds, variant=v, split="dev",
                            ablations=False, tasks=tasks, controls=False) for v in variants}
    first = opts[variants[0]]
    out: dict[str, dict[str, Any]] = {v: {"tasks": {}} for v in variants}
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="m2kt-research-") as tmp:
        for name in first.task_names():
            # one per count of public words (kd_words); an atlas variant's kd_words reads the
            # atlas's strings, so it has material of its own
            benches: dict[tuple[int, bool], Any] = {}
            for v in variants:
                if get_variant(v).uses_atlas and not reads_words(get_task(name)):
                    continue  # an atlas variant runs where kd_words gets the same strings
                key = (_words(name, opts[v]), get_variant(v).uses_atlas)
                if key not in benches:  # else: the same material and KD measurements
                    plain = [b for k, b in benches.items() if not k[1]]
                    benches[key] = (plain[0].with_words(key[0]) if plain and not key[1]
                                    else task_bench(name, opts[v], progress))
                tb = benches[key]
                progress(f"research log: {name}, variant {v}", None)
                t1 = time.perf_counter()
                entry = bench_task(name, opts[v], Path(tmp), progress, tb=tb)
                entry["seconds"] = round(time.perf_counter() - t1, 1)
                out[v]["tasks"][name] = entry
    for v in variants:
        out[v]["meta"] = run_meta(opts[v], started, time.perf_counter() - t0, code)
    return out


def _words(name: str, opts) -> int:
    """The public words a variant's packets of task ``name`` carry (0 where none)."""
    from m2kt.bench.run import packet_words, uses_words
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import get_variant

    task = get_task(name)
    return packet_words(task, get_variant(opts.variant)) if uses_words(task, opts) else 0


def research_log(variants: list[str], log: Path, results_dir: Path, seeds: int = 1,
                 progress: Progress = no_progress,
                 tasks: tuple[str, ...] | None = None,
                 marker: str = "generated") -> dict[str, dict[str, Any]]:
    """Run the bench on ``dev`` once per variant in ``variants`` (none: only regenerate the
    table from the committed JSONs) and rewrite the log's generated table. A variant rerun on
    some ``tasks`` keeps its other tasks' committed entries."""
    results = run_variants(variants, seeds, progress, tasks) if variants else {}
    for v, res in results.items():  # merge into the committed run of the other tasks
        old = results_dir / f"{v}.json"
        if tasks and old.is_file():
            prev = json.loads(old.read_text())
            res["tasks"] = {**{k: t for k, t in prev.get("tasks", {}).items()
                               if k not in res["tasks"]}, **res["tasks"]}
    results_dir.mkdir(parents=True, exist_ok=True)
    for v, res in results.items():
        write_atomic(results_dir / f"{v}.json", (json.dumps(res, indent=2) + "\n").encode())
    from m2kt.ingest.variants import all_variants

    everything = {}
    for name in all_variants():  # the table shows every variant measured so far, in registry order
        if name in results:
            everything[name] = results[name]
        elif (results_dir / f"{name}.json").is_file():
            everything[name] = json.loads((results_dir / f"{name}.json").read_text())
    doc = log.read_text() if log.is_file() else "# Research log\n"
    gen = (f"Generated by `python -m m2kt research-log --results {results_dir.as_posix()} "
           f"--marker {marker} --tables-only` (each row: one `bench --split dev --variant "
           f"NAME` run with the seeds of its last column; JSON in "
           f"`{results_dir.as_posix()}/`).\n\n" + table(everything))
    doc = splice_between(doc, gen, marker)
    write_atomic(log, doc.encode())
    return results
