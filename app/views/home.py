"""Home: what the workbench does and the state of the default models."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.widgets import page_header, show_error
from m2kt.errors import M2KTError
from m2kt.models import list_models

page_header(
    "M2KT Workbench",
    "Model-to-Model Knowledge Transmission: a teacher network hands its understanding to a "
    "student as a signed knowledge packet — concepts, an abstraction graph, reasoning traces — "
    "instead of examples.",
)

st.markdown(
    """
**How a transfer works**

1. **Teacher → packet.** The teacher summarises where it puts each concept in its latent space
   (concept manifolds), how concepts relate (an abstraction graph it extracts itself) and how it
   reasons (step-wise traces), and signs the lot with its provenance.
2. **Review.** A person inspects the packet and approves or rejects it; the decision goes to an
   append-only audit log.
3. **Ingestion.** The student learns a Concept Alignment Layer with a composite loss
   (geometric, structural, reasoning, safety). No labels and no per-example teacher outputs
   cross — only the packet and a small, counted set of unlabelled anchors.
4. **Verification.** Gates check alignment quality, retention of the student's prior behaviour
   and held-out accuracy, each with its figure and threshold.

The engine (`python -m m2kt …`) does the work; this workbench lets you look at it.
"""
)

st.subheader("Models on this machine")
st.caption(
    "Builtins are embedded in pip packages and need no network. MiniLM-L3 is converted from "
    "ONNX into the workspace cache the first time it is loaded (a few seconds)."
)
try:
    rows = list_models()
except M2KTError as exc:
    show_error(exc)
else:
    df = pd.DataFrame(rows)
    cols = [c for c in ("name", "source", "available", "arch", "layers", "hidden_size",
                        "description") if c in df.columns]
    st.dataframe(df[cols], hide_index=True, width="stretch")

st.subheader("Where to go")
st.page_link("views/models.py", label="Models — load a teacher and a student, compare how they "
             "encode the same words", icon=":material/memory:")
