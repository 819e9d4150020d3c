"""Domains: bring your own concepts and labelled texts — upload, check every row, save; then the
domain is a task on every page, and its student-side files can be downloaded."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from app.widgets import page_header, show_error
from m2kt.domains.custom import (
    DEFAULT_STUDENT,
    DEFAULT_TEACHER,
    add_domain,
    check_files,
    custom_task,
    list_domains,
    remove_domain,
    split_jsonl,
)
from m2kt.domains.files import MAX_DOMAIN_FILE_BYTES, MIN_EXAMPLES_PER_CONCEPT
from m2kt.errors import M2KTError
from m2kt.models.builtins import BUILTINS
from m2kt.render.escape import md_inert

page_header(
    "Domains",
    "Your own concepts and texts. A domain is two files: concepts.csv (columns id and label; "
    "description and parent optional) and examples.jsonl (one {\"text\", \"concept\"} object "
    "per line, the teacher's labelled data). Every row is checked before anything is saved; "
    "a saved domain is a task on the Packets, Concept Manifolds, Abstraction Graph and "
    "Align & Ingest pages. The student side needs only the packet and its own texts.",
)

MB = MAX_DOMAIN_FILE_BYTES // 2**20
#: rejected rows listed on the page (all of them are counted)
MAX_SHOWN = 500
tab_add, tab_mine = st.tabs(["Add a domain", "Your domains"])

with tab_add:
    c1, c2 = st.columns(2)
    cfile = c1.file_uploader(f"concepts.csv (at most {MB} MB)", type=["csv"],
                             key="domain_concepts", max_upload_size=MB)
    efile = c2.file_uploader(f"examples.jsonl (at most {MB} MB)", type=["jsonl", "json", "txt"],
                             key="domain_examples", max_upload_size=MB)
    checked = None
    if cfile is None or efile is None:
        st.info("Upload both files to see the preview. To try it, the repository ships an "
                "example: assets/examples/topics/concepts.csv and examples.jsonl (ten topics, "
                "2,400 dictionary definitions). A line of examples.jsonl looks like "
                '{"text": "a small domesticated carnivore", "concept": "animal"}.',
                icon=":material/info:")
    if cfile is not None and efile is not None:
        try:
            checked = check_files(cfile.getvalue(), efile.getvalue())
        except M2KTError as exc:  # a whole-file problem: size, NUL, UTF-8, header
            show_error(exc)
    if checked is not None:
        crow, erow, bad, problems = checked
        counts = Counter(e.concept for e in erow)
        st.subheader("Preview")
        st.caption(f"{len(crow)} concepts and {len(erow)} examples accepted; {len(bad)} rows "
                   f"rejected. Each concept needs at least {MIN_EXAMPLES_PER_CONCEPT} examples. "
                   "Text is shown exactly as written, never as HTML or Markdown.")
        st.dataframe(pd.DataFrame([{"id": c.id, "label": c.label, "description": c.description,
                                    "parent": c.parent, "examples": counts[c.id]}
                                   for c in crow]), hide_index=True, width="stretch")
        if erow:
            st.caption(f"The first {min(20, len(erow))} accepted examples:")
            st.dataframe(pd.DataFrame([{"line": e.line, "concept": e.concept, "text": e.text}
                                       for e in erow[:20]]), hide_index=True, width="stretch")
        if bad:
            st.error(f"{len(bad)} rejected row(s) — fix them and upload again (file, line, "
                     "reason; the same lines `domains add` prints):", icon=":material/block:")
            more = f"\n… and {len(bad) - MAX_SHOWN:,} more" if len(bad) > MAX_SHOWN else ""
            st.code("\n".join(str(r) for r in bad[:MAX_SHOWN]) + more, language=None,
                    wrap_lines=True)
        for p in problems:
            st.error(md_inert(p, 600), icon=":material/block:")
        from m2kt.domains.custom import CUSTOM_FRACTIONS
        from m2kt.ingest.preflight import MIN_INPUTS, MIN_INPUTS_PER_CONCEPT

        pool = int(round(len(erow) * CUSTOM_FRACTIONS[1]))
        need = max(MIN_INPUTS, MIN_INPUTS_PER_CONCEPT * len(crow))
        if erow and pool < need:
            st.warning(
                f"A small domain: of its {len(erow):,} examples about {pool:,} become the "
                f"student side's own texts (15 %), and ingestion needs at least {need:,} "
                f"({MIN_INPUTS_PER_CONCEPT} per concept) — it will stop before training and "
                "say so, unless the student side brings more texts of its own (Align & "
                f"Ingest). About {need / CUSTOM_FRACTIONS[1]:,.0f} examples in all avoid it.",
                icon=":material/warning:")
        ok = not bad and not problems
        with st.form("save_domain"):
            name = st.text_input("Name (2–40 lower-case letters, digits, '-' or '_')",
                                 help="How the domain is named on every page and in the CLI "
                                      "(`--domain NAME`); not a built-in task's name")
            description = st.text_input("Description (optional)",
                                        help="One line saying what the domain is about; shown "
                                             "beside its name and carried in its packets")
            m1, m2 = st.columns(2)
            names = sorted(BUILTINS)
            teacher = m1.selectbox("Teacher", names, index=names.index(DEFAULT_TEACHER))
            student = m2.selectbox("Student", names, index=names.index(DEFAULT_STUDENT))
            save = st.form_submit_button(
                "Save the domain", type="primary", disabled=not ok,
                help="Copies both files into this workspace (nothing is saved while a row is "
                     "rejected)")
        if save:
            try:
                rec = add_domain(name.strip(), cfile.getvalue(), efile.getvalue(), description,
                                 teacher, student)
            except M2KTError as exc:
                show_error(exc)
            else:
                st.success(f"Saved: {rec.concepts} concepts, {rec.examples} examples. Build "
                           "its packet on the Packets page.", icon=":material/check_circle:")

with tab_mine:
    mine = list_domains()
    if not mine:
        st.info("No domain of your own yet: add one in the first tab.")
    else:
        st.dataframe(pd.DataFrame([{"name": r.name, "description": r.description,
                                    "concepts": r.concepts, "examples": r.examples,
                                    "teacher": r.teacher, "student": r.student,
                                    "added": r.created} for r in mine]),
                     hide_index=True, width="stretch")
        pick = st.selectbox("Domain", [r.name for r in mine], key="domain_pick",
                            help="The domain whose student-side files to download or remove")
        st.caption("For the student side (another machine or workspace): its unlabelled texts "
                   "(the domain's transfer_pool, for ingestion) and held-out labelled examples "
                   "(the test split, to evaluate the new student).")
        try:
            task = custom_task(pick)
            d1, d2, d3 = st.columns(3)
            d1.download_button("Student texts (transfer_pool)",
                               split_jsonl(task, "transfer_pool"),
                               file_name=f"{pick}-transfer_pool.jsonl")
            d2.download_button("Test examples", split_jsonl(task, "test"),
                               file_name=f"{pick}-test.jsonl")
            sure = d3.checkbox("Yes, remove it from this workspace", key="remove_sure")
            if d3.button("Remove this domain", key="remove_domain", disabled=not sure):
                remove_domain(pick)
                st.rerun()
        except M2KTError as exc:
            show_error(exc)
