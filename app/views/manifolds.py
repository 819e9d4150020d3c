"""Concept Manifolds: where the teacher, the student and the aligned student put each concept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from app.widgets import page_header, show_error
from m2kt.config import workspace
from m2kt.domains.registry import get_task, task_names
from m2kt.errors import M2KTError
from m2kt.render.escape import md_inert, visible
from m2kt.render.manifold import (
    METRIC_NAMES,
    PROJECTIONS,
    displacement,
    project,
    scatter,
    top_concepts,
)

page_header(
    "Concept Manifolds",
    "Each point is one held-out input, coloured by its concept. The teacher's vectors and the "
    "aligned student's (its vectors passed through an ingested student's CAL) live in the same "
    "teacher space and share one projection, so you can see how far each concept moved; the "
    "raw student space is projected on its own.",
)


def _students() -> list[tuple[str, str]]:
    """(directory name, task) of every ingested student in the workspace, oldest first."""
    out = []
    for d in sorted(workspace().students.glob("*"), key=lambda p: p.stat().st_mtime):
        meta = d / "m2kt_student.json"
        try:
            task = json.loads(meta.read_text()).get("task") if meta.is_file() else None
        except (OSError, ValueError):
            continue
        if task in TASKS:
            out.append((d.name, task))
    return out


@st.cache_data(show_spinner=False, max_entries=8)
def vectors(task_name: str, n: int, student_dir: str | None) -> dict:
    """Teacher, student (and aligned) vectors of ``n`` dev inputs; cached per process."""
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    task = get_task(task_name)
    test = list(task.splits["dev"])  # exploration reads dev; test only scores reports
    idx = np.sort(np.random.default_rng(0).permutation(len(test))[:n])
    ex = [test[i] for i in idx]
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
        from m2kt.models import encode

        st_ = load_student(str(workspace().students / student_dir))
        with torch.no_grad():
            out["aligned"] = st_.cal(torch.from_numpy(encode(st_.lm, out["texts"]))).numpy()
    return out


TASKS = task_names()  # the built-in tasks, then your domains
c1, c2, c3, c4 = st.columns(4)
preset = st.session_state.pop("manifold_task", None)
all_students = _students()  # read once per run: the default task and the overlay list
if preset not in TASKS and "manifold_default_task" not in st.session_state:
    if all_students:  # first visit: the newest student's task (e.g. the guided demo's), overlaid
        preset = all_students[-1][1]
        st.session_state["manifold_overlay"] = True
if preset in TASKS:
    st.session_state["manifold_default_task"] = preset
# kept across reruns: a keyless widget whose index changed would forget the user's pick
default_task = st.session_state.setdefault("manifold_default_task", "multistep")
task = c1.selectbox("Task", TASKS, index=TASKS.index(default_task),
                    help="symbolic tasks encode in a second; language tasks load MiniLM. "
                         "Opens on the task of the workspace's newest ingested student.")
n = c2.select_slider("Held-out inputs", [200, 500, 1000, 2000, 5000, 10000], value=1000)
method = c3.selectbox("Projection", list(PROJECTIONS), format_func=PROJECTIONS.get)
dims = c4.radio("Dimensions", [2, 3], horizontal=True)
students = [name for name, t in all_students if t == task]
overlay = st.session_state.pop("manifold_overlay", False) and bool(students)
student_dir = st.selectbox(
    "Ingested student for the aligned overlay", [None, *students],
    index=len(students) if overlay else 0,  # from the graph page: the newest student
    format_func=lambda s: "none" if s is None else s,
    help="Students are written by Align & Ingest or `python -m m2kt ingest` into the "
         "workspace's students/ folder.")
show = st.multiselect("Show", ["teacher", "aligned", "student"],
                      default=["teacher", "aligned"] if student_dir else ["teacher"])
query = st.text_input("Search inputs (highlights matches)", max_chars=80)

try:
    with st.spinner(f"Encoding {n} inputs with the teacher and the student…"):
        v = vectors(task, int(n), student_dir)
except M2KTError as exc:
    show_error(exc)
    st.stop()

order = top_concepts(v["labels"], len(v["names"]))
default = order[:8]
focus_mask = None
focus = st.session_state.pop("manifold_concept", None)  # (id, label) from the graph page
if focus is not None:
    match = [c for c in order if v["names"][c] in focus]
    if match:
        default = [match[0], *[c for c in order[:7] if c != match[0]]]
        if not query:
            st.info(f"Showing concept {md_inert(v['names'][match[0]], 60)} from the Abstraction "
                    "Graph among the most frequent ones; its inputs are marked.")
            focus_mask = np.asarray(v["labels"]) == match[0]
    else:
        st.warning(f"Concept {md_inert(focus[1], 60)} has no input among these held-out "
                   "inputs; showing the most frequent concepts.")
picked = st.multiselect(
    "Concepts shown", order, default=default,
    format_func=lambda c: visible(v["names"][c], 40),
    help=f"{len(order)} concepts among these inputs; the 8 most frequent are shown first — "
         "dozens of overlapping clouds are unreadable. Add or remove any.")
keep = np.isin(np.asarray(v["labels"]), picked) if picked else np.ones(len(v["labels"]), bool)
shared = [g for g in ("teacher", "aligned") if g in show and g in v]
groups = {}
if shared:
    with st.spinner(f"Projecting with {PROJECTIONS[method]}…"):
        both = project(np.concatenate([v[g] for g in shared]), dims, method)
    for i, g in enumerate(shared):
        groups[g] = both[i * len(v["labels"]):(i + 1) * len(v["labels"])]
hits = np.array([bool(query) and query.lower() in t.lower() for t in v["texts"]])
if focus_mask is not None and not query:
    hits = focus_mask  # the concept chosen on the graph page, outlined
labels_kept = np.asarray(v["labels"])[keep]
texts_kept = [t for t, k in zip(v["texts"], keep, strict=True) if k]
if groups:  # projected on every input, drawn for the concepts shown
    st.plotly_chart(scatter({g: xy[keep] for g, xy in groups.items()}, labels_kept, v["names"],
                            texts_kept, hits[keep], title=f"{task}: teacher space "
                            "(teacher ○, aligned student ×)"), width="stretch")
if "student" in show:
    st.plotly_chart(scatter({"student": project(v["student"], dims, method)[keep]},
                            labels_kept, v["names"], texts_kept, hits[keep],
                            title=f"{task}: raw student space"), width="stretch")
if query:
    st.caption(f"{sum(hits)} input(s) contain “{md_inert(query, 80)}”.")

if "aligned" in v:
    from m2kt.align.metrics import alignment_metrics

    st.subheader("How well the aligned student matches the teacher (held-out inputs)")
    k = min(500, len(v["labels"]))
    am = alignment_metrics(v["aligned"][:k], v["teacher"][:k], n_perm=20, seed=0)
    st.dataframe(pd.DataFrame([{"figure": METRIC_NAMES.get(name, name),
                                "value": round(f["value"], 4),
                                "permutation null": round(f["null"], 4),
                                "above its null": "yes" if f["p"] < 0.05 else "no",
                                "p": round(f["p"], 3)}
                               for name, f in am.items() if isinstance(f, dict)]),
                 hide_index=True, width="stretch")
    st.caption("The null re-computes each figure with the teacher vectors shuffled across "
               "inputs (20 permutations); p = the share of permutations at least as good.")
    st.caption("Per-concept displacement: distance between the aligned student's and the "
               "teacher's mean vector of the same inputs, relative to the teacher's spread "
               "(0 = the same place; concepts with at least 5 of these inputs, largest first).")
    rows = displacement(v["aligned"], v["teacher"], v["labels"],
                        [visible(x, 60) for x in v["names"]])
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 height=min(400, 35 * (len(rows) + 1) + 3))  # no empty rows below
elif not students:
    st.info("No ingested student for this task yet: ingest an approved packet on Align & "
            "Ingest to see the aligned overlay, its metrics against their nulls and the "
            "per-concept displacement.")
