"""Experiments: a bench report — M2KT against knowledge distillation, against the paper."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from app.widgets import glossary_caption, inert_table, page_header
from m2kt.bench.report import COMMITTED_REPORTS, PAPER, summary_rows, variant_note, verdicts
from m2kt.render.bench import accuracy_vs_inputs
from m2kt.render.escape import md_inert, visible

ROOT = Path(__file__).resolve().parents[2]
#: committed reports, in the order offered (the first one that exists is the default)
COMMITTED = {label: ROOT / path for label, path in COMMITTED_REPORTS.items()}
MAX_REPORT_BYTES = 16 * 1024 * 1024
#: the report's columns in four narrow tables (at most 7 besides the task), so none is cut
#: off on a laptop screen
VALIDITY_COLS = ("task", "models", "valid", "teacher", "student before", "prior", "beats prior",
                 "KD full")
#: M2KT against KD at M2KT's own count of crossing strings
TRANSFER_COLS = ("task", "M2KT", "beats start", "gates passed", "crossing strings", "bytes",
                 "KD @ same count", "KD + pool @ same count")
#: the other baselines and the controls
OTHER_COLS = ("task", "KD on M2KT's anchors", "KD on the packet's public strings",
              "labels @ same count", "controls (permuted; random head)")
#: how much of the teacher / of full KD that is, and at how many fewer crossing strings
EFFICIENCY_COLS = ("task", "retention", "ceiling retention", "KD parity strings",
                   "reduction at parity [95 % CI]", "bytes at parity", "test reports before")
GLOSSARY = (
    "Crossing strings (BENCHMARK v3): every string for which per-string information passed "
    "between the two sides — student strings the teacher read, and strings with the teacher's "
    "task information (M2KT: anchors, traces, one per reference string of the packet's relative "
    "readout; KD: every input, and every public string KD got answers for). KD arms may also "
    "use the teacher's class histogram. Gates passed: of M2KT's students (one per seed), how "
    "many passed every post-ingestion gate — a student that fails one is marked \"do not "
    "deploy\", whatever its accuracy. Retention: M2KT / teacher; ceiling retention: M2KT / KD "
    "on the full pool. Beats prior: M2KT above the prior arm by a one-sided binomial test "
    "(p < 0.05). KD parity strings: where the strongest KD curve reaches M2KT's accuracy "
    "(interpolated; the arm in brackets). Reduction at parity = 1 − M2KT's crossing strings / "
    "KD's: 66 % means M2KT needed a third of KD's; a negative value means KD needed fewer — "
    "−450 % is KD matching M2KT with 1/5.5 of M2KT's strings. Controls: M2KT with a packet whose "
    "concepts are permuted, and one built with a random head — both should fall to the prior "
    "or below.")

page_header(
    "Experiments",
    "How much of the teacher's accuracy the student reaches through M2KT, with how many "
    "crossing inputs, against knowledge distillation on the same models. The paper claims "
    f"{PAPER}.",
)
glossary_caption("crossing strings", "knowledge distillation (KD)", "prior arm", "parity",
                 "controls", "retention", "dev / test")

committed = {k: v for k, v in COMMITTED.items() if v.is_file()}
pick = (st.radio("Committed report", list(committed), horizontal=True,
                     help="The reports committed under docs/results/, each made by the "
                          "command it shows") if len(committed) > 1
        else next(iter(committed), None))
upload = st.file_uploader("Open another bench JSON (from `python -m m2kt bench --json FILE`)",
                          help="A bench result of your own; read as untrusted JSON",
                          type=["json"], max_upload_size=MAX_REPORT_BYTES // 2**20)
result = None
try:
    if upload is not None:
        if upload.size > MAX_REPORT_BYTES:
            raise ValueError(f"{upload.size:,} bytes is larger than the "
                             f"{MAX_REPORT_BYTES // 2**20} MB report limit")
        result = json.loads(upload.getvalue())
        source = f"uploaded file {upload.name}"
    elif pick is not None:
        path = committed[pick]
        result = json.loads(path.read_text())
        source = f"the committed report of the {pick} ({path.relative_to(ROOT).as_posix()})"
    if result is not None and not (isinstance(result, dict) and "tasks" in result
                                   and "meta" in result):
        raise ValueError("it is JSON, but not a bench report: a report has 'meta' and "
                         "'tasks' (made by python -m m2kt bench --json FILE)")
except (ValueError, OSError) as exc:
    st.error(f"This file cannot be shown: {md_inert(exc, 400)}", icon=":material/error:")
    result = None

if result is None:
    st.info("No bench report yet. Run `python -m m2kt bench --quick --json bench.json` and open "
            "the file here, or commit a full report under docs/results/full/.")
else:
    meta = result["meta"]
    # report fields and file names are text, never Markdown
    st.text(visible(f"Showing {source}: device {meta.get('device')}, seeds "
                    f"{meta.get('seeds')}, {meta.get('seconds', 0) / 60:.1f} min, started "
                    f"{meta.get('started')}, method variant {meta.get('variant', 'frozen')}.",
                    400))
    st.text(visible(f"Made by: {meta.get('command', 'python -m m2kt bench')}", 400))
    if default_note := variant_note(result):
        st.caption(default_note)
    try:
        df = pd.DataFrame(summary_rows(result))
        st.subheader("Can the task show a transfer? (validity)")
        st.caption("BENCHMARK v3: the teacher beats the student's start by ≥ 0.10; the *prior* "
                   "(the student's own label-free answers re-balanced to the teacher's class "
                   "histogram, nothing per input) closes ≤ 25 % of that gap; KD on the "
                   "student's whole pool closes ≥ 75 % of it. A task that fails "
                   "cannot show a transfer by any method; its figures are kept for the record.")
        inert_table(df[[c for c in VALIDITY_COLS if c in df]].set_index("task"))
        st.subheader("M2KT against distillation")
        st.caption(GLOSSARY)
        inert_table(df[[c for c in TRANSFER_COLS if c in df]].set_index("task"))
        st.subheader("Other baselines and the teacher-specificity controls")
        inert_table(df[[c for c in OTHER_COLS if c in df]].set_index("task"))
        st.subheader("Retention and data efficiency")
        inert_table(df[[c for c in EFFICIENCY_COLS if c in df]].set_index("task"))
        st.subheader("Against the paper's claim")
        for line in verdicts(result):
            st.text(line.replace("**", "").removeprefix("- "))
        st.subheader("Accuracy against strings that crossed")
        st.caption("Each KD point is the student trained on the teacher's answers for its "
                   "crossing strings; the star is M2KT with its ledger's crossing strings. "
                   "Higher and further left is better.")
        cols = st.columns(2)
        for i, (name, entry) in enumerate(result["tasks"].items()):
            with cols[i % 2]:
                st.plotly_chart(accuracy_vs_inputs(name, entry), width="stretch")
    except (KeyError, TypeError, ValueError) as exc:
        st.error(f"This report lacks a field the page needs ({md_inert(exc, 200)}): was it "
                 "made by another version of m2kt?", icon=":material/error:")
