"""Who is deciding: OIDC sign-in (``st.login``, when ``[auth]`` is configured in
``.streamlit/secrets.toml``), local reviewer accounts (``python -m m2kt reviewers add``), or —
with neither — a clearly labelled single-user local mode."""

from __future__ import annotations

import sqlite3

import streamlit as st

from m2kt.render.escape import md_inert, visible
from m2kt.store import reviewers


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 — no secrets file at all
        return False


def signed_in_reviewer(conn: sqlite3.Connection) -> tuple[str | None, str]:
    """``(reviewer, mode)``; mode is ``oidc``, ``local`` or ``single-user``.  Renders the
    sign-in controls; ``reviewer`` is None until someone is signed in (single-user: None, the
    page asks for a name)."""
    if _oidc_configured():
        if st.user.is_logged_in:
            who = str(st.user.get("email") or st.user.get("name") or "signed-in user")
            st.caption(f"Signed in as {md_inert(who, 80)} (OIDC).")
            st.button("Sign out", on_click=st.logout)
            return who, "oidc"
        st.warning("Sign in to approve or reject packets.")
        st.button("Sign in", on_click=st.login, type="primary")
        return None, "oidc"
    if reviewers.configured(conn):
        who = st.session_state.get("reviewer")
        if who:
            c1, c2 = st.columns([4, 1])
            c1.caption(f"Signed in as {visible(who, 80)} (local reviewer account).")
            if c2.button("Sign out"):
                st.session_state.pop("reviewer", None)
                st.rerun()
            return who, "local"
        with st.form("signin"):
            st.warning("Reviewer accounts are configured: sign in to approve or reject.")
            name = st.text_input("Reviewer account", max_chars=120)
            password = st.text_input("Password", type="password", max_chars=256)
            if st.form_submit_button("Sign in"):
                try:
                    st.session_state["reviewer"] = reviewers.authenticate(conn, name, password)
                    st.rerun()
                except reviewers.AuthError as exc:
                    st.error(str(exc))
        return None, "local"
    st.caption("Single-user local mode: no reviewer accounts are configured, so whoever uses "
               "this page decides under the name typed below. Add accounts with "
               "`python -m m2kt reviewers add NAME` (or configure OIDC) to require sign-in.")
    return None, "single-user"
