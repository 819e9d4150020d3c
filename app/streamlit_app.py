"""M2KT Workbench router: page config and navigation. Run with
``python -m streamlit run app/streamlit_app.py``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # make `m2kt` and `app` importable however streamlit is started
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.widgets import show_error  # noqa: E402
from m2kt.errors import M2KTError  # noqa: E402

PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title="M2KT Workbench", page_icon=":material/hub:", layout="wide")

nav = st.navigation(
    {
        "Workbench": [
            st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True),
            st.Page(PAGES / "models.py", title="Models", icon=":material/memory:",
                    url_path="models"),
            st.Page(PAGES / "domains.py", title="Domains", icon=":material/dataset:",
                    url_path="domains"),
            st.Page(PAGES / "manifolds.py", title="Concept Manifolds",
                    icon=":material/scatter_plot:", url_path="manifolds"),
            st.Page(PAGES / "graph.py", title="Abstraction Graph", icon=":material/account_tree:",
                    url_path="graph"),
            st.Page(PAGES / "traces.py", title="Reasoning Traces", icon=":material/route:",
                    url_path="traces"),
        ],
        "Packets": [
            st.Page(PAGES / "packets.py", title="Packets", icon=":material/package_2:",
                    url_path="packets"),
            st.Page(PAGES / "review.py", title="Review & Approve",
                    icon=":material/fact_check:", url_path="review"),
            st.Page(PAGES / "audit.py", title="Audit Log", icon=":material/history:",
                    url_path="audit"),
        ],
        "Student": [
            st.Page(PAGES / "ingest.py", title="Align & Ingest", icon=":material/model_training:",
                    url_path="ingest"),
            st.Page(PAGES / "verification.py", title="Verification & Safety",
                    icon=":material/verified_user:", url_path="verification"),
        ],
        "Results": [
            st.Page(PAGES / "experiments.py", title="Experiments", icon=":material/science:",
                    url_path="experiments"),
        ],
        "Help": [
            st.Page(PAGES / "glossary.py", title="Glossary", icon=":material/menu_book:",
                    url_path="glossary"),
        ],
    }
)
try:
    nav.run()
except M2KTError as exc:  # e.g. an unusable workspace: one readable box, never a traceback
    show_error(exc)
