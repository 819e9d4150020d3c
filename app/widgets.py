"""Small renderers shared by pages. Untrusted text is shown with ``st.text``/``st.code``/tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from m2kt.errors import M2KTError
from m2kt.render.escape import md_inert


def show_error(exc: Exception) -> None:
    """One readable error box, never a traceback: class name and message as plain text."""
    if isinstance(exc, M2KTError):
        st.error(f"{type(exc).__name__}: {md_inert(exc, 600)}", icon=":material/error:")
    else:
        st.error(f"Unexpected {type(exc).__name__}: {md_inert(exc, 600)}",
                 icon=":material/bug_report:")


def page_header(title: str, blurb: str) -> None:
    """Title plus a one-paragraph explanation for newcomers, and the way to the glossary."""
    st.title(title)
    st.caption(blurb)


def glossary_caption(*terms: str) -> None:
    """The one-line meaning of each of ``terms`` (from :mod:`m2kt.glossary`), and a link to
    the whole glossary."""
    from m2kt.glossary import GLOSSARY

    with st.expander("What the words on this page mean"):
        for t in terms:
            st.markdown(f"**{t}** — {GLOSSARY[t]}")
        st.page_link("views/glossary.py", label="Every term: the glossary",
                     icon=":material/menu_book:")


def verdict_box(v: dict, what: str = "this student") -> None:
    """A gates verdict (:func:`m2kt.verify.verdict.verdict`) as one box that never truncates:
    red with "do not deploy" and the failed gates when any failed, green otherwise."""
    if v["deploy"]:
        st.success(f"Deploy: every gate of {what} passed or does not apply "
                   f"({v['summary']}).", icon=":material/verified:")
    else:
        # gate names are the engine's own words (no packet text)
        st.error(f"DO NOT DEPLOY {what}: {len(v['failed'])} gate(s) failed — "
                 + "; ".join(v["failed"])
                 + f". Gates: {v['summary']}.", icon=":material/gpp_bad:")


#: how often a page re-reads a running job's progress (seconds). Each poll reruns only a
#: fragment; Streamlit's post-run garbage collection is off (.streamlit/config.toml), because a
#: full ``gc.collect`` per poll starved the job thread of the GIL (a watched job ran ~35× slower)
POLL_SECONDS = 2.0


def job_panel(key: str, render: Callable[[Any, dict[str, Any]], None]) -> None:
    """Render this session's job ``key`` with ``render(job, snapshot)``. While it runs, a
    fragment polls it every ``POLL_SECONDS``; when it ends, one full rerun renders it once more
    and the polling stops — a finished job costs nothing, and its result stays in the session
    when the user navigates away and back."""
    from app.state import get_job

    j = get_job(key)
    if j is None:
        return
    if j.active:
        _poll(key, render)
    else:
        render(j, j.snapshot())


@st.fragment(run_every=POLL_SECONDS)
def _poll(key: str, render: Callable[[Any, dict[str, Any]], None]) -> None:
    from app.state import get_job

    j = get_job(key)
    if j is None:
        return
    snap = j.snapshot()
    if snap["state"] not in ("pending", "running"):
        st.rerun()  # the whole page, once: it renders the result without a poller
    render(j, snap)


def inert_table(df) -> None:
    """``st.table`` with every header, index label and text cell shown literally: st.table
    renders each as Markdown, and its cells carry packet, audit and domain text
    (:func:`~m2kt.render.escape.md_inert`; numbers stay numbers). The table wraps: nothing is
    cut off at a column's edge."""
    from m2kt.render.escape import md_inert

    def lit(v):
        return md_inert(v, 100_000) if isinstance(v, str) else v

    out = df.map(lit)
    out.columns = [lit(str(c)) for c in out.columns]
    out.index = out.index.map(lambda v: lit(str(v)))
    if df.index.name:
        out.index.name = lit(str(df.index.name))
    st.table(out)


def gates_table(gates: list[dict]) -> None:
    """Gates (report dicts or ``Gate.as_dict()``) as a static table: every name, figure,
    threshold, result and detail wraps in full (never cut off at a column's edge)."""
    import pandas as pd

    from m2kt.render.gates import gate_rows

    rows = [{"gate": r["name"], "stage": r["stage"], "figure": r["figure"],
             "threshold": r["threshold"], "result": r["status"].upper(), "detail": r["detail"]}
            for r in gate_rows(gates)]
    inert_table(pd.DataFrame(rows).set_index("gate"))
