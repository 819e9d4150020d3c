"""Bench report: the JSON, a Markdown table and one plot per task (accuracy against the inputs
that crossed: the M2KT point against the KD curve), written by ``bench --report DIR``.

The Markdown is generated only from the JSON, so the README table (:func:`readme_table`) is
reproducible from a committed report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from m2kt.packet.writer import write_atomic

PAPER = "85–90 % retention with > 98 % less data than KD"

#: the committed bench reports (label → path relative to the repository), in the order the
#: README's table and the Experiments page list them
COMMITTED_REPORTS: dict[str, str] = {
    "default pair (MiniLM-L6 → MiniLM-L3), language tasks": "docs/results/full/bench.json",
    "symbolic tasks (tiny teachers → tiny students)": "docs/results/symbolic/bench.json",
    "SHOT on the symbolic student (transductive-shot), multistep":
        "docs/results/multistep/bench.json",
    "cross-architecture pair (SmolLM2-135M → MiniLM-L3), supersense":
        "docs/results/cross/bench.json",
    "cross-architecture pair (SmolLM2-135M → MiniLM-L3), gloss":
        "docs/results/cross-gloss/bench.json",
    "zero crossing, read directly (relative-direct), language tasks":
        "docs/results/zero-direct/bench.json",
    "zero crossing across architectures (relative-direct, SmolLM2-135M → MiniLM-L3)":
        "docs/results/cross-direct/bench.json",
}


#: what differs between two runs of the same bench by design
TIMING_KEYS = ("seconds", "build_seconds", "started", "command", "packet_bytes")


def strip_timings(d: Any) -> Any:
    """A bench result (or part of one) without its timing fields, for comparing two runs."""
    if isinstance(d, dict):
        return {k: strip_timings(v) for k, v in d.items() if k not in TIMING_KEYS}
    if isinstance(d, list):
        return [strip_timings(x) for x in d]
    return d


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


def _acc(m: dict[str, Any] | None) -> str:
    if not m:
        return "—"
    s = f"{m['acc']:.3f}"
    return s + (f" ± {m['acc_std']:.3f}" if m.get("acc_std") else "")


def _beats(t: dict[str, Any]) -> str:
    b = t.get("beats_start") or {}
    if b.get("beats") is None:
        return "—"
    p = "" if b["p"] is None else (" (p < 0.001)" if b["p"] < 0.001 else f" (p = {b['p']:.2f})")
    return ("yes" if b["beats"] else "no") + p


def _beats_prior(t: dict[str, Any]) -> str:
    """Reports made before ``beats_prior`` was recorded get it computed from their own
    measurements (:func:`m2kt.bench.figures.beats_prior`)."""
    from m2kt.bench.figures import beats_prior

    b = t.get("beats_prior") or beats_prior(t)
    if b.get("beats") is None:
        return "—"
    p = "" if b["p"] is None else (" (p < 0.001)" if b["p"] < 0.001 else
                                   f" (p = {b['p']:.3f})" if b["p"] < 0.01 else
                                   f" (p = {b['p']:.2f})")
    return ("yes" if b["beats"] else "no") + p


def _gates(m: dict[str, Any]) -> str:
    """How many of M2KT's students (one per seed) passed every post-ingestion gate."""
    g = m.get("gates_passed")
    return f"{sum(bool(x) for x in g)} / {len(g)}" if g else "—"


def _parity(t: dict[str, Any]) -> str:
    n = t.get("kd_parity_inputs")
    return "none" if n is None else f"{n:,.0f}"


def _reduction(t: dict[str, Any]) -> str:
    r, ci = t.get("data_reduction_at_parity"), t.get("data_reduction_at_parity_ci")
    if r is None:
        return "—"
    return _pct(r) + (f" [{_pct(ci[0])}, {_pct(ci[1])}]" if ci else "")


def _valid(t: dict[str, Any]) -> str:
    v = t.get("validity") or {}
    if v.get("valid") is None:
        return "—"
    return ("yes" if v["valid"] else "NO") + (
        f" (margin {v['teacher_margin']:.2f}, prior {_pct(v['prior_share'])}, "
        f"KD full {_pct(v['kd_full_share'])})")


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """One row per task, every figure read off the result JSON."""
    rows = []
    for name, t in result["tasks"].items():
        m = t["methods"]
        rows.append({
            "task": name, "track": t["track"],
            "models": f"{t['teacher']['name']} → {t['student_before']['name']}",
            "valid": _valid(t),
            "teacher": f"{t['teacher']['acc']:.3f}" if t["teacher"]["acc"] is not None else "—",
            "student before": (f"{t['student_before']['acc']:.3f}"
                               if t["student_before"]["acc"] is not None else "—"),
            "prior": _acc(m.get("prior")),
            "M2KT": _acc(m["m2kt"]),
            "gates passed": _gates(m["m2kt"]),
            "beats start": _beats(t),
            "beats prior": _beats_prior(t),
            "crossing inputs": str(m["m2kt"]["ledger"]["crossing_inputs"]),
            "KD @ same inputs": _acc(m.get("kd")),
            "KD + pool @ same inputs": _acc(m.get("kd_ssl")),
            "KD on M2KT's anchors": _acc(m.get("kd_anchor")),
            "labels @ same inputs": _acc(m.get("labels_budget")),
            "KD full": f"{_acc(m['kd_full'])} ({m['kd_full']['inputs']:,})",
            "retention": _pct(t["retention"]),
            "ceiling retention": _pct(t.get("ceiling_retention")),
            "KD parity inputs": _parity(t),
            "reduction at parity [95 % CI]": _reduction(t),
            "reduction vs KD full": _pct(t["data_reduction_vs_kd_full"]),
            "specificity (swapped inputs)": (
                f"{t['specificity']['acc_swapped']:.3f}" if t.get("specificity") else "—"),
        })
    return rows


def markdown_table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "(no tasks)\n"
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return "\n".join(out) + "\n"


def verdicts(result: dict[str, Any]) -> list[str]:
    """One plain sentence per task against the paper's claim (invalid tasks say so first)."""
    from m2kt.verify.stats import ALPHA

    out = []
    for name, t in result["tasks"].items():
        ret, red = t["retention"], t["data_reduction_at_parity"]
        v = t.get("validity") or {}
        meets = ret is not None and ret >= 0.85 and red is not None and red >= 0.98
        b = t.get("beats_start") or {}
        if v.get("valid") is False:
            out.append(f"- **{name}**: the task is not valid on this split ({_valid(t)}), so it "
                       "cannot show a transfer either way; figures are kept for the record.")
            continue
        if b.get("beats") is False:
            p = (f" (one-sided binomial test p = {b['p']:.2f}, needs < {ALPHA})"
                 if b.get("p") is not None else "")
            where = (f"retention {_pct(ret)}; M2KT does not beat the student's starting point "
                     f"{b['bar']:.3f}{p}, so there is no data reduction to speak of")
        elif red is not None:
            where = (f"retention {_pct(ret)} of the teacher, "
                     f"{_pct(t.get('ceiling_retention'))} of KD on the full pool; "
                     f"the strongest KD arm needs {_parity(t)} inputs for M2KT's accuracy: "
                     f"data reduction at parity {_reduction(t)}")
        else:
            where = (f"retention {_pct(ret)}; no KD arm reaches M2KT's accuracy, even on the "
                     "full pool")
        out.append(f"- **{name}**: {where} — "
                   + ("meets the paper's claim." if meets else "falls short of the paper's "
                      f"claim ({PAPER})."))
    return out


def ablation_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for name, t in result["tasks"].items():
        a = t.get("ablations") or {}
        if not a:
            continue
        base = t["methods"]["m2kt"]["acc"]
        terms = ", ".join(f"{k} off {v:.3f}" for k, v in a.get("terms_off", {}).items())
        meths = ", ".join(f"{k} {v:.3f}" for k, v in a.get("methods", {}).items())
        anch = ", ".join(f"{k}: {v['acc']:.3f}" if v.get("acc") is not None else f"{k}: n/a"
                         for k, v in a.get("anchors", {}).items())
        lines.append(f"- **{name}** (seed {a['seed']}; default {base:.3f}): {terms}; "
                     f"alignment {meths}; anchors {anch}")
    return lines


def graph_lines(result: dict[str, Any]) -> list[str]:
    """One line per task: the packet graph's extraction, edge count and precision / recall
    against the task's reference graph per compared edge type (reports made before the graph
    was recorded have none)."""
    lines = []
    for name, t in result["tasks"].items():
        g = t.get("graph")
        if not g:
            continue
        ref = g.get("reference")
        scores = "; ".join(f"{k}: P {v['precision']:.2f} / R {v['recall']:.2f} "
                           f"({v['matched']}/{v['reference']})" for k, v in ref.items()) \
            if ref else "no reference graph"
        method = g["method"].split(":")[0]
        lines.append(f"- **{name}** ({method}, {g['edges']} edges): {scores}")
    return lines


def render_markdown(result: dict[str, Any]) -> str:
    meta = result["meta"]
    cmd = meta.get("command", "python -m m2kt bench")
    split = meta.get("split", "test")
    head = (f"# M2KT benchmark report\n\nGenerated by `{cmd}` on {meta['started']} "
            f"({meta['device']}, seeds {meta['seeds']}, "
            f"{meta['seconds']:.0f} s; variant `{meta.get('variant', 'frozen')}`, "
            f"{meta.get('anchors')} anchors).  Accuracy on each task's held-out `{split}` split; "
            "mean ± std (ddof = 1) over seeds; every seed re-draws the packet's anchors and the "
            "KD inputs.  *Crossing inputs*: inputs whose teacher-side per-example information "
            "reached the student (M2KT: anchors + trace queries; KD: every input).  *Parity*: "
            "where the strongest KD curve (the best of KD, KD + the student's pool, KD on "
            "M2KT's anchors at every N) reaches M2KT, log-linearly interpolated; the interval "
            "is a bootstrap over seeds and items.  *Specificity*: M2KT's accuracy when every "
            "input is swapped for another input of the split (queries kept).\n")
    body = [head, "## Results\n", markdown_table(summary_rows(result)),
            "\n## Against the paper's claim\n", *verdicts(result)]
    gl = graph_lines(result)
    if gl:
        body += ["\n## Abstraction graph against the reference\n", *gl]
    ab = ablation_lines(result)
    if ab:
        body += ["\n## Ablations (accuracy)\n", *ab]
    body.append("\n## KD sweeps (inputs: accuracy)\n")
    for name, t in result["tasks"].items():
        for key, label in (("kd_sweep", "KD"), ("kd_ssl_sweep", "KD + pool")):
            pts = ", ".join(f"{p['inputs']}: {p['acc']:.3f}" for p in t["methods"].get(key, []))
            if pts:
                body.append(f"- **{name}**, {label}: {pts}")
    return "\n".join(body) + "\n"


def plot_task(name: str, t: dict[str, Any], path: Path) -> None:
    """Accuracy vs crossing inputs (log x): every KD curve, the M2KT point, the prior, the
    teacher and the student's start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = t["methods"]
    fig, ax = plt.subplots(figsize=(5.6, 3.6), dpi=110)
    for key, label, color in (("kd_sweep", "KD (N random inputs)", "#4c72b0"),
                              ("kd_ssl_sweep", "KD + student's pool", "#8172b3")):
        pts = m.get(key) or []
        if pts:
            ax.errorbar([p["inputs"] for p in pts], [p["acc"] for p in pts],
                        yerr=[p.get("acc_std", 0) for p in pts], fmt="o-", ms=4,
                        color=color, label=label, capsize=2)
    if m.get("kd_anchor"):
        ax.errorbar([m["kd_anchor"]["inputs"]], [m["kd_anchor"]["acc"]],
                    yerr=[m["kd_anchor"].get("acc_std", 0)], fmt="s", ms=6, color="#64b5cd",
                    label="KD on M2KT's anchors", capsize=2)
    ax.errorbar([max(1, m["m2kt"]["ledger"]["crossing_inputs"])], [m["m2kt"]["acc"]],
                yerr=[m["m2kt"].get("acc_std", 0)], fmt="*", ms=13, color="#dd8452",
                label="M2KT", capsize=2)
    if m.get("prior"):
        ax.axhline(m["prior"]["acc"], ls="-.", color="#c44e52", lw=1, label="prior (0 inputs)")
    if t["teacher"]["acc"] is not None:
        ax.axhline(t["teacher"]["acc"], ls="--", color="#55a868", lw=1, label="teacher")
    if t["student_before"]["acc"] is not None:
        ax.axhline(t["student_before"]["acc"], ls=":", color="#8c8c8c", lw=1,
                   label="student before")
    ax.set_xscale("log")
    ax.set_xlabel("crossing inputs")
    ax.set_ylabel(f"{t.get('split', 'test')} accuracy")
    ax.set_title(name)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(result: dict[str, Any], out: Path) -> list[Path]:
    """``out/bench.json``, ``out/report.md`` and ``out/<task>.png``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "bench.json", out / "report.md"]
    write_atomic(paths[0], (json.dumps(result, indent=2) + "\n").encode())
    write_atomic(paths[1], render_markdown(result).encode())
    for name, t in result["tasks"].items():
        p = out / f"{name}.png"
        plot_task(name, t, p)
        paths.append(p)
    return paths


def readme_table(report_json: Path) -> str:
    """The README's results table, generated from a committed report JSON."""
    result = json.loads(report_json.read_text())
    keep = ("task", "valid", "teacher", "student before", "prior", "M2KT",
            "gates passed", "beats prior",
            "crossing inputs",
            "KD @ same inputs", "KD + pool @ same inputs", "KD full", "retention",
            "ceiling retention", "KD parity inputs", "reduction at parity [95 % CI]",
            "specificity (swapped inputs)")
    rows = [{k: r[k] for k in keep} for r in summary_rows(result)]
    return markdown_table(rows)


def readme_block(*reports: Path) -> str:
    """The README block: the command that regenerates it, then per report the sentence saying
    which bench command made it and its table (e.g. the default pair, then the
    cross-architecture pair)."""
    if not reports:
        raise ValueError("readme_block needs at least one report")
    parts = [f"Generated by `python -m m2kt bench-table "
             f"{' '.join(p.as_posix() for p in reports)}`.\n"]
    for path in reports:
        meta = json.loads(path.read_text())["meta"]
        parts.append(f"From `{path.as_posix()}`, made by "
                     f"`{meta.get('command', 'python -m m2kt bench')}` ({meta['device']}, seeds "
                     f"{meta['seeds']}, {meta['seconds'] / 60:.0f} min; {meta['started']}):\n\n"
                     + readme_table(path))
    return "\n".join(parts)


def variant_note(result: dict[str, Any]) -> str:
    """One line relating a report's method variant to the default ingestion variant: "" when it
    is the default; whether it computes what the default does on the report's tracks; or that
    it is another variant. Only names of this version's variants are echoed (a report file is
    untrusted text)."""
    from m2kt.ingest.variants import DEFAULT_VARIANT, VARIANTS, same_as_default

    name = result.get("meta", {}).get("variant")
    if name == DEFAULT_VARIANT:
        return ""
    if name not in VARIANTS:
        return (f"This report's method variant is not one of this version's; the default is "
                f"{DEFAULT_VARIANT}.")
    tracks = {t.get("track") for t in result.get("tasks", {}).values()} & {"language", "symbolic"}
    if tracks and same_as_default(name, tracks):
        return (f"On this report's track ({', '.join(sorted(tracks))}), {name} computes exactly "
                f"what the default variant ({DEFAULT_VARIANT}) does: these are the default's "
                "figures.")
    return f"Not the default variant ({DEFAULT_VARIANT}): a report of {name}."
