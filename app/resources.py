"""Process-wide cached resources (``st.cache_resource``): models are loaded once per process."""

from __future__ import annotations

import streamlit as st

from m2kt.models import LoadedModel, load


@st.cache_resource(show_spinner=False, max_entries=8)
def get_model(name: str, device: str = "cpu") -> LoadedModel:
    """Load (once per process) the model named by a builtin name, hub id or local path.

    Exceptions are not cached: a failed load can be retried after the user fixes the input.
    """
    return load(name, device=device)
