"""The only module that touches ``st.session_state``: typed accessors for page state."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class ModelChoice:
    """What the user picked for one role: a source kind and the string they typed/selected."""

    kind: str  # "builtin" | "hub" | "local"
    value: str


DEFAULTS = {"teacher": ModelChoice("builtin", "minilm-l6"),
            "student": ModelChoice("builtin", "minilm-l3")}


def loaded_choice(role: str) -> ModelChoice | None:
    """The model choice last loaded successfully for ``role`` (teacher/student), if any."""
    return st.session_state.get(f"loaded_{role}")


def set_loaded_choice(role: str, choice: ModelChoice | None) -> None:
    st.session_state[f"loaded_{role}"] = choice


def encoded_words() -> dict | None:
    """The last encoding result shown on the Models page."""
    return st.session_state.get("encoded_words")


def set_encoded_words(result: dict | None) -> None:
    st.session_state["encoded_words"] = result


def get_job(name: str):
    """The background job ``name`` (an :class:`m2kt.jobs.Job`) of this browser session."""
    return st.session_state.get(f"job_{name}")


def set_job(name: str, job) -> None:
    st.session_state[f"job_{name}"] = job
