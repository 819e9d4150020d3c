"""Models: pick a teacher and a student (builtin, hub id, local path), see their architecture
facts, and encode a few words with both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app import state
from app.resources import get_model
from app.widgets import page_header, show_error
from m2kt.errors import M2KTError
from m2kt.models import LoadedModel, encode
from m2kt.models.builtins import BUILTINS
from m2kt.render.escape import visible
from m2kt.render.models import similarity_agreement, similarity_heatmaps

KINDS = {"builtin": "Builtin (offline)", "hub": "Hugging Face hub id", "local": "Local directory"}

page_header(
    "Models",
    "Choose the teacher (who knows the task) and the student (who learns it). Any Hugging Face "
    "model works: an embedded builtin, a hub id from your local cache, or a local directory "
    "with config.json and safetensors weights. Teacher and student keep their own tokenizers.",
)


def choice_form(role: str, col) -> state.ModelChoice:
    """Source picker for one role; returns what the user selected (not yet loaded)."""
    default = state.loaded_choice(role) or state.DEFAULTS[role]
    with col:
        st.subheader(role.capitalize())
        kind = st.radio("Source", list(KINDS), format_func=KINDS.get, horizontal=True,
                        help="An embedded builtin (offline), a Hugging Face hub id (read from "
                             "the local cache), or a local directory with config.json and "
                             "*.safetensors",
                        index=list(KINDS).index(default.kind), key=f"{role}_kind")
        if kind == "builtin":
            names = list(BUILTINS)
            value = st.selectbox("Builtin model", names, key=f"{role}_builtin",
                                 help="Models shipped inside pip packages: no network needed",
                                 index=names.index(default.value) if default.value in names else 0,
                                 format_func=lambda n: f"{n} — {BUILTINS[n].description}")
        elif kind == "hub":
            value = st.text_input("Hub id", key=f"{role}_hub", placeholder="org/model-name",
                                  help="Read from the local Hugging Face cache; downloaded on "
                                       "first use only with a network")
        else:
            value = st.text_input("Directory", key=f"{role}_local",
                                  help="A folder with config.json, a tokenizer and *.safetensors "
                                       "weights (pickled weights are refused)",
                                  placeholder="/path/to/model (config.json + *.safetensors)")
    return state.ModelChoice(kind, value.strip())


def facts_table(models: dict[str, LoadedModel]) -> pd.DataFrame:
    rows = {
        "type": lambda i: i.model_type, "architecture": lambda i: i.architecture,
        "layers": lambda i: i.layers, "hidden size": lambda i: i.hidden_size,
        "parameters": lambda i: f"{i.parameters / 1e6:.1f} M" if i.parameters else "?",
        "tokenizer": lambda i: f"{i.tokenizer} ({i.vocab_size or '?'} tokens)",
        "decoder": lambda i: "yes" if i.is_decoder else "no",
        "default pooling": lambda i: i.default_pooling + (
            f" of template {i.default_template}" if i.default_template else ""),
        "source": lambda i: i.source,
    }
    data = {role: [visible(f(m.info)) for f in rows.values()] for role, m in models.items()}
    return pd.DataFrame(data, index=list(rows))


left, right = st.columns(2, gap="large")
choices = {"teacher": choice_form("teacher", left), "student": choice_form("student", right)}

if st.button("Load models", type="primary",
                     help="Loads both (once per process) and shows their architecture"):
    for role, choice in choices.items():
        if not choice.value:
            st.warning(f"{role.capitalize()}: enter a model first.")
            state.set_loaded_choice(role, None)
            continue
        with st.spinner(f"Loading {role} {visible(choice.value, 80)} …"):
            try:
                get_model(choice.value)
            except M2KTError as exc:
                state.set_loaded_choice(role, None)
                st.markdown(f"**{role.capitalize()}**")
                show_error(exc)
                continue
        state.set_loaded_choice(role, choice)
    state.set_encoded_words(None)

loaded: dict[str, LoadedModel] = {}
for role in ("teacher", "student"):
    choice = state.loaded_choice(role)
    if choice is not None:
        try:
            loaded[role] = get_model(choice.value)
        except M2KTError as exc:
            show_error(exc)

if not loaded:
    st.info("Press **Load models** to load the selected teacher and student "
            "(the defaults are MiniLM-L6 → MiniLM-L3, embedded, no network needed).")
    st.stop()

st.subheader("Architecture")
st.dataframe(facts_table(loaded), width="stretch")

if len(loaded) < 2:
    st.info("Load both a teacher and a student to compare how they encode words.")
    st.stop()

st.subheader("Encode words in both models")
st.caption(
    "Each word becomes one vector per model (pooled hidden state of the chosen layer). "
    "The heatmaps show which words each model puts close together; the agreement figure is "
    "the correlation between the two similarity patterns — the shared structure M2KT exploits."
)
c1, c2, c3 = st.columns([3, 1, 1])
with c1:
    raw = st.text_area("Words or short phrases, one per line", height=150, key="words",
                         help="Each model encodes them; the page compares the two similarity "
                              "matrices",
                       value="dog\ncat\nhorse\ncar\ntruck\napple\nbanana\nguitar")
layer_sel = {}
pool_sel = {}
for col, role in ((c2, "teacher"), (c3, "student")):
    info = loaded[role].info
    with col:
        layer_sel[role] = st.number_input(f"{role} layer (0–{info.layers})", min_value=0,
                                 help="0 is the embeddings, the last is the output layer",
                                          max_value=info.layers, value=info.layers,
                                          key=f"{role}_layer")
        pools = ["mean", "cls", "last"]
        pool_sel[role] = st.selectbox(f"{role} pooling", pools, key=f"{role}_pool",
                              help="How a text's token states become one vector",
                                      index=pools.index(info.default_pooling))

words = [w.strip() for w in raw.splitlines() if w.strip()][:64]
if st.button("Encode", disabled=not words,
                 help="Encodes the words with both models and compares their similarities"):
    try:
        vecs = {role: encode(loaded[role], words, layers=int(layer_sel[role]),
                             pooling=pool_sel[role]) for role in ("teacher", "student")}
        state.set_encoded_words({"words": words, "vecs": vecs,
                                 "names": {r: loaded[r].info.name for r in loaded}})
    except M2KTError as exc:
        show_error(exc)

result = state.encoded_words()
if result:
    vecs = result["vecs"]
    m1, m2, m3 = st.columns(3)
    m1.metric("Teacher vectors", f"{vecs['teacher'].shape[0]} × {vecs['teacher'].shape[1]}")
    m2.metric("Student vectors", f"{vecs['student'].shape[0]} × {vecs['student'].shape[1]}")
    from m2kt.render.models import cosine_matrix

    agree = similarity_agreement(cosine_matrix(vecs["teacher"]), cosine_matrix(vecs["student"]))
    m3.metric("Similarity agreement (r)", "n/a" if agree is None else f"{agree:.2f}",
              help="Pearson r between the two models' word-to-word cosine similarities.")
    st.plotly_chart(similarity_heatmaps(result["words"], vecs["teacher"], vecs["student"],
                                        f"teacher: {result['names']['teacher']}",
                                        f"student: {result['names']['student']}"),
                    width="stretch")
    norms = pd.DataFrame({
        "word": [visible(w, 60) for w in result["words"]],
        "teacher ‖v‖": np.linalg.norm(vecs["teacher"], axis=1).round(3),
        "student ‖v‖": np.linalg.norm(vecs["student"], axis=1).round(3),
        "finite": [bool(np.isfinite(a).all() and np.isfinite(b).all())
                   for a, b in zip(vecs["teacher"], vecs["student"], strict=True)],
    })
    st.dataframe(norms, hide_index=True, width="stretch")
