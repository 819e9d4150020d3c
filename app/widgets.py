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
    """Title plus a one-paragraph explanation for newcomers."""
    st.title(title)
    st.caption(blurb)


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
