"""Glossary: one line per term the workbench uses (from :mod:`m2kt.glossary`)."""

from __future__ import annotations

import streamlit as st

from app.widgets import page_header
from m2kt.glossary import GLOSSARY

page_header("Glossary", "One line per term the workbench, the CLI and the reports use.")
for term, meaning in GLOSSARY.items():
    st.markdown(f"**{term}** — {meaning}")
