"""Small renderers shared by pages. Untrusted text is shown with ``st.text``/``st.code``/tables."""

from __future__ import annotations

import streamlit as st

from m2kt.errors import M2KTError
from m2kt.render.escape import visible


def show_error(exc: Exception) -> None:
    """One readable error box, never a traceback: class name and message as plain text."""
    if isinstance(exc, M2KTError):
        st.error(f"{type(exc).__name__}: {visible(exc, 600)}", icon=":material/error:")
    else:
        st.error(f"Unexpected {type(exc).__name__}: {visible(exc, 600)}",
                 icon=":material/bug_report:")


def page_header(title: str, blurb: str) -> None:
    """Title plus a one-paragraph explanation for newcomers."""
    st.title(title)
    st.caption(blurb)
