"""Concept Manifolds: the packet's concept manifolds drawn as shapes in the teacher's space, the
aligned student's concept centroids beside them (with how far each moved), and the same
concepts in the student's own space before alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.widgets import glossary_caption, page_header, show_error
from m2kt.domains.registry import get_task, task_names
from m2kt.errors import M2KTError
from m2kt.render.escape import md_inert, visible
from m2kt.render.manifold import (
    METRIC_NAMES,
    PROJECTIONS,
    centroid_projection,
    displacement,
    empirical_shapes,
    manifold_ellipses,
    manifold_figure,
    project,
    scatter,
    top_concepts,
)
from m2kt.store.students import known_students

page_header(
    "Concept Manifolds",
    "A concept manifold is where the teacher puts a concept in its hidden space: a centre, "
    "the main directions its inputs spread along, and how far. Each shape below is one "
    "concept's manifold as the packet carries it (its 2σ ellipse in the plane where the "
    "concepts are most spread apart). With an ingested student, its concept centres — its "
    "own vectors of held-out inputs passed through its alignment layer — are drawn beside "
    "them with an arrow: how far each concept landed from where the teacher puts it.",
)
glossary_caption("concept manifold", "CAL (Concept Alignment Layer)", "membership")


@st.cache_data(show_spinner=False, max_entries=8)
def vectors(task_name: str, n: int, student_dir: str | None) -> dict:
    """Teacher, student (and aligned) vectors of ``n`` dev inputs; cached per process."""
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    task = get_task(task_name)
    dev = list(task.splits["dev"])  # exploration reads dev; test only scores reports
    idx = np.sort(np.random.default_rng(0).permutation(len(dev))[:n])
    ex = [dev[i] for i in idx]
    ids = [c.id for c in task.concepts]
    pair = task.name in ("hypernymy", "taxonomy")
    labels = [ids.index(e.query) if pair else e.label for e in ex]
    names = [c.label for c in task.concepts] if not pair else ids
    teacher = cached_encode(load(task.teacher), [e.text for e in ex])  # the encoder only
    student = cached_encode(load(task.student), [e.text for e in ex])
    out = {"teacher": teacher, "student": student, "labels": labels, "names": names,
           "texts": [e.text for e in ex]}
    if student_dir:
        import torch

        from m2kt.ingest.student import load_student

        st_ = load_student(student_dir)
        with torch.no_grad():
            out["aligned"] = st_.cal(torch.from_numpy(
                cached_encode(st_.lm, out["texts"]))).numpy()
        m = st_.man
        out["manifolds"] = {"centroids": m.centroids, "basis": m.basis, "spreads": m.spreads,
                            "residual_var": m.residual_var, "counts": m.counts}
    return out


TASKS = task_names()  # the built-in tasks, then your domains
students = [s for s in known_students() if s.task in TASKS]
preset = st.session_state.pop("manifold_task", None)  # from the Abstraction Graph page
default_task = preset if preset in TASKS else (students[0].task if students else "multistep")
c1, c2 = st.columns([1, 2])
task = c1.selectbox("Task", TASKS, index=TASKS.index(default_task),
                    help="Opens on the task of the workspace's newest ingested student; "
                         "symbolic tasks encode in a second, language tasks load MiniLM.")
mine = [s for s in students if s.task == task]
student = c2.selectbox(
    "Ingested student (its packet's manifolds and its alignment)", [None, *mine],
    index=1 if mine else 0,
    format_func=lambda s: "none: the inputs only" if s is None
    else f"{s.name} ({s.variant})",
    help="Students written by Align & Ingest, the guided demo or `python -m m2kt ingest` "
         "(any folder the audit log records). A student carries its packet's manifolds.")
c3, c4 = st.columns([2, 1])
n = c3.select_slider("Held-out inputs (dev)", [200, 500, 1000, 2000, 5000, 10000], value=1000,
                     help="How many held-out inputs are encoded for the student's centres "
                          "and the point views.")
view = c4.radio("View", ["after alignment", "before alignment"], horizontal=True,
                disabled=student is None,
                help="after: the teacher's space — the packet's manifolds and the aligned "
                     "student's centres. before: the student's own space — its own vectors "
                     "of the same inputs, before any alignment (its own projection).")

try:
    with st.spinner(f"Encoding {n} held-out inputs with the teacher and the student…"):
        v = vectors(task, int(n), str(student.path) if student else None)
except M2KTError as exc:
    show_error(exc)
    st.stop()

names = v["names"]
order = top_concepts(v["labels"], len(names))
focus_id = st.session_state.pop("manifold_concept", None)  # (id, label) from the graph page
match = [c for c in order if focus_id and names[c] in focus_id]
default = ([match[0], *[c for c in order[:5] if c != match[0]]] if match else order[:6])
c5, c6 = st.columns([3, 1])
shown = c5.multiselect(
    "Concepts shown", order, default=default, format_func=lambda c: visible(names[c], 40),
    help=f"{len(order)} concepts among these inputs; 6 of the most frequent are shown first "
         "— dozens of overlapping shapes are unreadable. Add or remove any.")
focus = c6.selectbox("Highlight", [None, *shown], index=1 if match else 0,
                     format_func=lambda c: "none" if c is None else visible(names[c], 30),
                     help="Draw one concept bold and fade the others.")
labels = np.asarray(v["labels"])

if student is not None and view == "after alignment":
    man = v["manifolds"]
    live = man["counts"] > 0
    proj = centroid_projection(man["centroids"], live)
    shapes = manifold_ellipses(man["centroids"], man["basis"], man["spreads"],
                               man["residual_var"], proj)
    aligned = v["aligned"] @ proj
    moved = {int(c): aligned[labels == c].mean(0) for c in shown if (labels == c).any()}
    points = {int(c): v["teacher"][labels == c] @ proj for c in shown}
    st.plotly_chart(manifold_figure(
        shapes, names, shown, moved=moved, points=points, focus=focus,
        title=f"{task}: the packet's concept manifolds in the teacher's space",
        subtitle="ellipse: 2σ · ●: the manifold's centre · ×: the aligned student's centre · "
                 "faint dots: the teacher's own vectors of the held-out inputs"),
        width="stretch")
    st.caption("The plane is the one where the packet's concept centres are most spread apart "
               "(their first two principal directions). An ellipse is the projection of the "
               "manifold the packet carries: its principal directions with their spreads and "
               "a residual spread in every other direction. An arrow runs from where the "
               "teacher puts a concept to where the aligned student puts the held-out inputs "
               "of that concept; short arrows inside the ellipse mean the alignment holds.")
elif student is not None:
    proj = centroid_projection(np.stack([v["student"][labels == c].mean(0)
                                         if (labels == c).any() else np.zeros(
                                             v["student"].shape[1])
                                         for c in range(len(names))]),
                               np.array([(labels == c).any() for c in range(len(names))]))
    xy = v["student"] @ proj
    shapes = empirical_shapes(xy, labels, len(names))
    points = {int(c): xy[labels == c] for c in shown}
    st.plotly_chart(manifold_figure(
        shapes, names, shown, points=points, focus=focus,
        title=f"{task}: before alignment — the student's own space",
        subtitle="ellipse: 2σ of its own vectors of each concept's held-out inputs"),
        width="stretch")
    st.caption("The student's own vectors, before any packet: no teacher geometry is used. "
               "Compare with the view after alignment.")
else:
    st.info("No ingested student for this task yet: ingest an approved packet on Align & "
            "Ingest (or run the guided demo) to see the packet's manifolds, the aligned "
            "student's centres and how far each moved. Below: the inputs as points.")

with st.expander("Every input as a point (teacher, aligned student, raw student)",
                 expanded=student is None):
    p1, p2, p3 = st.columns(3)
    method = p1.selectbox("Projection", list(PROJECTIONS), format_func=PROJECTIONS.get,
                          help="PCA takes milliseconds; UMAP and t-SNE tens of seconds.")
    dims = p2.radio("Dimensions", [2, 3], horizontal=True)
    query = p3.text_input("Search inputs (outlines matches)", max_chars=80)
    keep = np.isin(labels, shown) if shown else np.ones(len(labels), bool)
    hits = np.array([bool(query) and query.lower() in t.lower() for t in v["texts"]])
    shared = [g for g in ("teacher", "aligned") if g in v]
    with st.spinner(f"Projecting with {PROJECTIONS[method]}…"):
        both = project(np.concatenate([v[g] for g in shared]), dims, method)
    groups = {g: both[i * len(labels):(i + 1) * len(labels)][keep]
              for i, g in enumerate(shared)}
    texts = [t for t, k in zip(v["texts"], keep, strict=True) if k]
    st.plotly_chart(scatter(groups, labels[keep], names, texts, hits[keep],
                            title=f"{task}: teacher space (teacher ○, aligned student ×)"),
                    width="stretch")
    if query:
        st.caption(f"{int(hits.sum())} input(s) contain “{md_inert(query, 80)}”.")

if "aligned" in v:
    from m2kt.align.metrics import alignment_metrics

    st.subheader("How well the aligned student matches the teacher (held-out inputs)")
    k = min(500, len(labels))
    am = alignment_metrics(v["aligned"][:k], v["teacher"][:k], n_perm=20, seed=0)
    st.dataframe(pd.DataFrame([{"figure": METRIC_NAMES.get(name, name),
                                "value": round(f["value"], 4),
                                "shuffled pairs": round(f["null"], 4),
                                "above shuffled": "yes" if f["p"] < 0.05 else "no"}
                               for name, f in am.items() if isinstance(f, dict)]),
                 hide_index=True, width="stretch")
    st.caption("Each figure beside its value with the teacher vectors shuffled across inputs "
               "(20 shuffles): above shuffled means fewer than 5 % of the shuffles did as "
               "well.")
    st.caption("Per-concept displacement: distance between the aligned student's and the "
               "teacher's mean vector of the same inputs, relative to the teacher's spread "
               "(0 = the same place; concepts with at least 5 of these inputs, largest first).")
    rows = displacement(v["aligned"], v["teacher"], v["labels"],
                        [visible(x, 60) for x in names])
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 height=min(400, 35 * (len(rows) + 1) + 3))
