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
    "cross-architecture pair (SmolLM2-135M → MiniLM-L3), language tasks":
        "docs/results/cross/bench.json",
    "the packet's relative readout read directly (relative-direct), language tasks":
        "docs/results/zero-direct/bench.json",
    "reasoning with a language model (SmolLM2-135M → MiniLM-L3)":
        "docs/results/reasoning/bench.json",
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
    am = t.get("amortisation")
    if am and am.get("reduction_one_task") is not None:  # one task alone, its atlas counted
        return (f"{_pct(am['reduction_one_task'])} with its atlas ({_pct(r)} of task strings; "
                f"pays off from {am['tasks_to_amortise'] or 'no number of'} tasks)")
    return _pct(r) + (f" [{_pct(ci[0])}, {_pct(ci[1])}]" if ci else "")


def _valid(t: dict[str, Any]) -> str:
    v = t.get("validity") or {}
    if v.get("valid") is None:
        return "—"
    return ("yes" if v["valid"] else "NO") + (
        f" (margin {v['teacher_margin']:.2f}, prior {_pct(v['prior_share'])}, "
        f"KD full {_pct(v['kd_full_share'])})")


def _best(m: dict[str, Any], *keys: str) -> dict[str, Any] | None:
    """The most accurate of the arms ``keys`` present in ``m`` (with and without the prior)."""
    arms = [m[k] for k in keys if m.get(k)]
    return max(arms, key=lambda a: a["acc"]) if arms else None


def _bytes(n: float | None) -> str:
    if n is None:
        return "—"
    for unit, size in (("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def _anchors(meta: dict[str, Any]) -> str:
    """The header's anchor count: an atlas variant's packets carry none."""
    from m2kt.ingest.variants import all_variants

    v = all_variants().get(meta.get("variant", ""))
    if v is not None and v.uses_atlas:
        return f"no anchors: an atlas of {v.atlas_strings:,} strings"
    return f"{meta.get('anchors')} anchors"


def _crossing(m: dict[str, Any]) -> str:
    led = m["ledger"]
    if "to_teacher" not in led:  # reports before ledger v3
        return f"{led['crossing_inputs']:,}"
    atlas = (f"; and an atlas of {led['atlas_strings']:,}, once per teacher"
             if led.get("atlas_strings") else "")
    return (f"{led['crossing_inputs']:,} (to teacher {led['to_teacher']:,}; "
            f"task strings {led['task_strings']:,}{atlas})")


def _words_arm(m: dict[str, Any]) -> str:
    """KD on the packet's public strings alone (the better of with and without the prior)."""
    w = _best(m, "kd_words", "kd_words_prior", "kd_words_ssl", "kd_words_ssl_prior")
    if not w:
        return "—"
    return f"{_acc(w)} ({w['ledger']['crossing_inputs']:,})"


def _controls(t: dict[str, Any]) -> str:
    c = t.get("controls")
    if not c:
        return "—"
    parts = []
    for kind, label in (("permuted", "permuted"), ("random_head", "random head")):
        if c.get(kind):
            flag = " (above prior!)" if c[kind].get("above_prior") else ""
            parts.append(f"{label} {c[kind]['acc']:.3f}{flag}")
    return "; ".join(parts)


def _bytes_parity(t: dict[str, Any]) -> str:
    b = t.get("bytes_at_parity") or {}
    if b.get("m2kt") is None:
        return "—"
    return f"{_bytes(b['m2kt'])} vs KD {_bytes(b.get('kd'))}" if b.get("kd") else \
        f"{_bytes(b['m2kt'])} (no parity)"


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """One row per task, every figure read off the result JSON."""
    rows = []
    for name, t in result["tasks"].items():
        m = t["methods"]
        env = t.get("envelope") or []
        n = t.get("kd_parity_inputs")
        arm = next((p["arm"] for p in env if n is not None and p["inputs"] >= n), None)
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
            "crossing strings": _crossing(m["m2kt"]),
            "bytes": _bytes((m["m2kt"]["ledger"] or {}).get("bytes")),
            "KD @ same count": _acc(_best(m, "kd", "kd_prior")),
            "KD + pool @ same count": _acc(_best(m, "kd_ssl", "kd_ssl_prior")),
            "KD on M2KT's anchors": _acc(_best(m, "kd_anchor", "kd_anchor_prior")),
            "KD on the packet's public strings": _words_arm(m),
            "labels @ same count": _acc(m.get("labels_budget")),
            "KD full": f"{_acc(m['kd_full'])} ({m['kd_full']['inputs']:,})",
            "retention": _pct(t["retention"]),
            "ceiling retention": _pct(t.get("ceiling_retention")),
            "KD parity strings": _parity(t) + (f" ({arm})" if arm else ""),
            "reduction at parity [95 % CI]": _reduction(t),
            "bytes at parity": _bytes_parity(t),
            "controls (permuted; random head)": _controls(t),
            "test reports before": ("—" if t.get("test_reports_before") is None
                                    else str(t["test_reports_before"])),
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
        am = t.get("amortisation")
        if am and red is not None and am.get("reduction_one_task") is not None:
            red = am["reduction_one_task"]  # one task alone costs its atlas too: judged so
        meets = ret is not None and ret >= 0.85 and red is not None and red >= 0.98
        b = t.get("beats_start") or {}
        if v.get("valid") is False:
            out.append(f"- **{name}**: the task is not valid on this split ({_valid(t)}), so it "
                       "cannot show a transfer either way; figures are kept for the record.")
            continue
        bp = t.get("beats_prior") or {}
        crossing = t["methods"]["m2kt"]["ledger"]["crossing_inputs"]
        if b.get("beats") is False:
            p = (f" (one-sided binomial test p = {b['p']:.2f}, needs < {ALPHA})"
                 if b.get("p") is not None else "")
            where = (f"retention {_pct(ret)}; M2KT does not beat the student's starting point "
                     f"{b['bar']:.3f}{p}, so there is no data reduction to speak of")
        elif bp.get("beats") is False:
            where = (f"retention {_pct(ret)}; M2KT does not beat the `prior` arm "
                     f"({t['methods']['prior']['acc']:.3f}, no string crossing), so there is "
                     "no data reduction to speak of")
        elif red is not None and am:
            total = am["atlas_strings"] + am["m2kt_task_strings"]
            where = (f"retention {_pct(ret)} of the teacher, "
                     f"{_pct(t.get('ceiling_retention'))} of KD on the full pool; M2KT crossed "
                     f"{am['m2kt_task_strings']:,} task strings and leans on an atlas of "
                     f"{am['atlas_strings']:,} task-independent strings; the strongest KD arm "
                     f"needs {_parity(t)} for its accuracy. For this task alone M2KT crosses "
                     f"{total:,}: a reduction of {_pct(red)}"
                     + ("" if red >= 0 else " (M2KT needs more than KD)")
                     + "; the atlas is counted once per teacher: "
                     + (f"over {am['tasks_to_amortise']} or more tasks costing KD as many "
                        "strings as this one, M2KT's total is the lower"
                        if am["tasks_to_amortise"] else
                        "KD needs no more strings per task, so the atlas never pays off"))
        elif red is not None:
            where = (f"retention {_pct(ret)} of the teacher, "
                     f"{_pct(t.get('ceiling_retention'))} of KD on the full pool; "
                     f"{crossing:,} strings crossed for M2KT, the strongest KD arm needs "
                     f"{_parity(t)} for its accuracy: data reduction at parity {_reduction(t)}"
                     + ("" if red >= 0 else " (M2KT needs more than KD)"))
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
        m = t["methods"]["m2kt"]  # the ablations' own seed is their baseline, not the mean
        seeds = list(result.get("meta", {}).get("seeds") or [])
        accs = m.get("accs") or []
        base = accs[seeds.index(a["seed"])] if a["seed"] in seeds and accs else m["acc"]
        terms = ", ".join(f"{k} off {v:.3f}" for k, v in a.get("terms_off", {}).items())
        meths = ", ".join(f"{k} {v:.3f}" for k, v in a.get("methods", {}).items())
        anch = ", ".join(f"{k}: {v['acc']:.3f}" if v.get("acc") is not None else f"{k}: n/a"
                         for k, v in a.get("anchors", {}).items())
        lines.append(f"- **{name}** (seed {a['seed']}; the default on that seed {base:.3f}): "
                     f"{terms}; alignment {meths}; anchors {anch}")
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
            f"{_anchors(meta)}; commit {meta.get('commit') or 'unknown'}; "
            f"protocol {meta.get('protocol', 'm2kt-bench/2')}).  Accuracy on each task's "
            f"held-out `{split}` split; mean ± std (ddof = 1) over seeds; every seed re-draws "
            "the packet's anchors and the KD inputs.  *Crossing strings* (BENCHMARK v3): every "
            "string for which per-string information passed between the two sides — student "
            "strings the teacher read, and strings with task-specific teacher information "
            "(anchors, traces, each reference string of a relative readout; every KD input "
            "and every public string KD was given answers for).  *Parity*: where the upper "
            "envelope of every KD arm (KD, KD + the student's pool, KD on M2KT's anchors, KD "
            "on the packet's public strings, each also with the teacher's class histogram — "
            "and, on language class tasks, with the student's own label-name scores) "
            "against its own crossing count reaches M2KT, log-linearly interpolated from the "
            "`prior` arm at zero; the interval is a bootstrap over seeds and items; beside it "
            "the same in bytes.  *Controls*: M2KT ingesting a packet with its concepts "
            "permuted and one built from the teacher with a random head — both should fall "
            "to the `prior` arm or below.  *Test reports before*: how many committed test "
            "reports of the task preceded this one.\n")
    body = [head, "## Results\n", markdown_table(summary_rows(result)),
            "\n## Against the paper's claim\n", *verdicts(result)]
    gl = graph_lines(result)
    if gl:
        body += ["\n## Abstraction graph against the reference\n", *gl]
    ab = ablation_lines(result)
    if ab:
        body += ["\n## Ablations (accuracy)\n", *ab]
    body.append("\n## KD sweeps (crossing strings: accuracy)\n")
    for name, t in result["tasks"].items():
        for key, label in SWEEP_LABELS.items():
            pts = ", ".join(f"{_point_x(p):,}: {p['acc']:.3f}"
                            for p in t["methods"].get(key, []))
            if pts:
                body.append(f"- **{name}**, {label}: {pts}")
        pub = t.get("public_strings")
        if pub and pub.get("count"):
            body.append(f"- **{name}**: the packet's {pub['count']:,} public reference strings "
                        f"(concept labels and words, chosen without reading dev or test): "
                        f"{pub['equal_to_an_input']:,} are inputs of the `{pub['split']}` "
                        "split (reported, not filtered)")
        tr = t.get("trace_strings")
        if tr and any(tr.get("equal_to_an_input") or []):
            body.append(f"- **{name}**: of the strings the packet's traces answer for "
                        f"({' / '.join(f'{c:,}' for c in tr['count'])} per seed), "
                        f"{' / '.join(str(c) for c in tr['equal_to_an_input'])} are inputs of "
                        f"the `{tr['split']}` split — a sub-problem can be a problem in its "
                        "own right (reported, not filtered: the teacher side does not read "
                        "the split)")
    return "\n".join(body) + "\n"


#: the sweeps a report lists and plots, with their labels
SWEEP_LABELS = {"kd_sweep": "KD", "kd_ssl_sweep": "KD + pool",
                "kd_prior_sweep": "KD + class histogram (+ label names)",
                "kd_ssl_prior_sweep": "KD + pool + class histogram",
                "kd_words_sweep": "KD on public strings (+ N inputs)",
                "kd_words_prior_sweep": "KD on public strings + class histogram (+ label names)"}


def _point_x(p: dict[str, Any]) -> int:
    """A sweep point's crossing count (reports before v3: its inputs)."""
    return int((p.get("ledger") or {}).get("crossing_inputs", p["inputs"]))


def plot_task(name: str, t: dict[str, Any], path: Path) -> None:
    """Accuracy vs crossing inputs (log x): every KD curve, the M2KT point, the prior, the
    teacher and the student's start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = t["methods"]
    fig, ax = plt.subplots(figsize=(7.0, 4.4), dpi=110)
    colors = ("#4c72b0", "#8172b3", "#4c72b0", "#8172b3", "#937860", "#937860")
    for (key, label), color in zip(SWEEP_LABELS.items(), colors, strict=True):
        pts = [p for p in m.get(key) or [] if _point_x(p) > 0]
        if pts:
            ax.errorbar([_point_x(p) for p in pts], [p["acc"] for p in pts],
                        yerr=[p.get("acc_std", 0) for p in pts],
                        fmt="o--" if "prior" in key else "o-", ms=3, color=color, label=label,
                        capsize=2, alpha=0.6 if "prior" in key else 1.0)
    env = [p for p in t.get("envelope") or [] if p["inputs"] > 0]
    if env:
        # parity interpolates log-linearly: straight segments on this log axis
        ax.plot([p["inputs"] for p in env], [p["acc"] for p in env], color="#222222", lw=1,
                label="strongest KD (envelope)")
    if m.get("kd_anchor") and m["kd_anchor"].get("inputs"):
        ax.errorbar([_point_x(m["kd_anchor"])], [m["kd_anchor"]["acc"]],
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
    ax.set_xlabel("crossing strings (BENCHMARK v3 ledger)")
    ax.set_ylabel(f"{t.get('split', 'test')} accuracy")
    ax.set_title(name)
    ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")  # the legend below the axes, whole
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
    keep = ("task", "valid", "teacher", "student before", "prior", "M2KT", "gates passed",
            "crossing strings", "KD @ same count", "KD on the packet's public strings",
            "KD full", "ceiling retention", "KD parity strings",
            "reduction at parity [95 % CI]", "bytes at parity",
            "controls (permuted; random head)", "test reports before")
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
        result = json.loads(path.read_text())
        meta = result["meta"]
        parts.append(f"From `{path.as_posix()}`, made by "
                     f"`{meta.get('command', 'python -m m2kt bench')}` ({meta['device']}, seeds "
                     f"{meta['seeds']}, {meta['seconds'] / 60:.0f} min; {meta['started'][:10]}"
                     "):\n\n" + readme_table(path) + "\n" + "\n".join(verdicts(result))
                     + "\n")
    return "\n".join(parts)


def variant_note(result: dict[str, Any]) -> str:
    """One line relating a report's method variant to the default ingestion variant: "" when it
    is the default; whether it computes what the default does on the report's tracks; or that
    it is another variant. Only names of this version's variants are echoed (a report file is
    untrusted text)."""
    from m2kt.ingest.variants import DEFAULT_VARIANT, all_variants, same_as_default

    name = result.get("meta", {}).get("variant")
    if name == DEFAULT_VARIANT:
        return ""
    if name not in all_variants():
        return (f"This report's method variant is not one of this version's; the default is "
                f"{DEFAULT_VARIANT}.")
    tracks = ({t.get("track") for t in result.get("tasks", {}).values()}
              & {"language", "symbolic", "reasoning"})
    if tracks and same_as_default(name, tracks):
        return (f"On this report's track ({', '.join(sorted(tracks))}), {name} computes exactly "
                f"what the default variant ({DEFAULT_VARIANT}) does: these are the default's "
                "figures.")
    return f"Not the default variant ({DEFAULT_VARIANT}): a report of {name}."
