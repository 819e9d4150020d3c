"""Render a report-all reading of a packet. Every packet string goes through ``visible`` into
``st.text`` or a dataframe cell: nothing from a packet is rendered as HTML or Markdown."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app.widgets import inert_table
from m2kt.config import workspace
from m2kt.errors import M2KTError
from m2kt.packet.inspect import summarize
from m2kt.packet.reader import ReadReport, VerifiedPacket, peek_manifest, report_packet
from m2kt.packet.trust import load_store, store_dir
from m2kt.render.escape import md_inert, visible
from m2kt.store.db import open_db
from m2kt.store.queue import queued


def claimed(path: Path) -> dict[str, str]:
    """What a queued packet claims (task, track, teacher, creator, created; not verified —
    only ``open_packet`` verifies), as visible text; ``task`` is ``(unreadable)`` (and
    ``track`` ``language``) when the manifest does not parse.  Cached per file version (path,
    size, modification time), so the pickers of a page that reruns every second while a job
    runs do not re-read every approved packet (≈ 30 ms each for a 4 MB language packet)."""
    st_ = path.stat()
    return dict(_claimed(str(path), st_.st_size, st_.st_mtime_ns))


@st.cache_resource(max_entries=512, show_spinner=False)  # shared, never pickled; copied out
def _claimed(path: str, size: int, mtime_ns: int) -> dict[str, str]:
    """:func:`claimed` of one file version; ``size`` and ``mtime_ns`` only key the cache."""
    m = peek_manifest(Path(path).read_bytes())
    if m is None:
        return {"task": "(unreadable)", "track": "language", "teacher": "", "creator": "",
                "created": ""}
    prov = m.provenance
    return {"task": visible(prov.domain.task, 40), "track": prov.domain.track,
            "teacher": visible(prov.teacher.name, 40),
            "creator": visible(prov.creator, 40),
            "created": visible(prov.created_at[:19].replace("T", " "), 19)}


def packet_label(path: Path) -> str:
    """``task · teacher · created (digest…)`` of a queued packet, for pickers."""
    c = claimed(path)
    return f"{c['task']} · {c['teacher']} · {c['created']} ({path.stem[:12]}…)"


def verified_queue() -> list[VerifiedPacket]:
    """The review queue's packets that verify, newest first.  Reading and verifying every
    queued packet is cached until a queued file or the trust store changes, so widget reruns
    of the Graph and Traces pages do not re-read them."""
    files = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in queued())
    trust = tuple(sorted((f.name, f.stat().st_mtime_ns) for f in store_dir().glob("*")))
    return _verified(files, trust, str(workspace().root))


@st.cache_resource(max_entries=4, show_spinner="Verifying the queued packets…")
def _verified(files: tuple, trust: tuple, root: str) -> list[VerifiedPacket]:
    out = []
    conn = open_db(workspace())
    try:
        store = load_store()
        for path, _, _ in files:
            try:
                rep = report_packet(Path(path).read_bytes(), store, conn)
            except (M2KTError, OSError):
                continue
            if rep.ok:
                out.append(rep.packet)
    finally:
        conn.close()
    return out


def show_crossing(lg: dict) -> None:
    """What crosses with this packet, counted as the benchmark counts it (BENCHMARK v3): the
    student's strings the teacher read, and every string the packet carries per-string teacher
    information for, by member."""
    by = lg["task_strings_by_member"]
    st.markdown("**What crosses with this packet** (every string for which per-string "
                "information passes between the two sides)")
    rows = [("student strings the teacher read", lg["to_teacher"],
             "anchors sent to it, or the pool it read to choose them"),
            ("strings with the teacher's task information", lg["task_strings"],
             "the three rows below, counted once each"),
            ("· anchors (their teacher vectors)", by["anchors"], ""),
            ("· traces (queries and the steps they answer)", by["traces"], ""),
            ("· relative readout (one column per label or public word)", by["relative"],
             "a per-string projection of the teacher's vector"),
            ("crossing strings in all", lg["crossing_inputs"],
             "the figure the benchmark compares with knowledge distillation"),
            ("bytes", lg["bytes"], "the file and the texts sent to the teacher")]
    st.dataframe(pd.DataFrame([{"what": w, "count": f"{n:,}", "note": note}
                               for w, n, note in rows]),
                 hide_index=True, width="stretch", height=36 * (len(rows) + 1) + 4)


def show_report(rep: ReadReport, size: int) -> None:
    """Verdict, every issue found, and what could be read (provenance, concepts, graph)."""
    if rep.ok:
        st.success(f"Verifies: digest {md_inert(rep.digest, 80)}, signed by key "
                   f"{md_inert(rep.keyid, 40)}.", icon=":material/verified:")
    else:
        st.error(f"Does not verify: {len(rep.issues)} problem(s) found.",
                 icon=":material/gpp_bad:")
    for i in rep.issues[:20]:
        st.text(f"[{visible(i.stage, 40)}] {visible(i.error, 60)}: {visible(i.message, 400)}")
    if len(rep.issues) > 20:
        st.text(f"… and {len(rep.issues) - 20} more")
    if rep.manifest is None:
        return
    s = summarize(rep, size, reference=rep.ok)
    prov = s["provenance"]
    facts = {
        "teacher": prov["teacher"]["name"], "teacher weights SHA-256":
        prov["teacher"]["weights_sha256"], "task": prov["domain"]["task"],
        "creator": prov["creator"], "created": prov["created_at"], "sequence":
        prov["sequence"], "concepts": s["concepts"], "labels": s["labels"],
        "teacher inputs": prov["counts"]["teacher_inputs"], "anchors":
        prov["counts"]["anchor_inputs"], "file bytes": size}
    # a static table: a long value (the weights' SHA-256, a creator's name) wraps in full
    inert_table(pd.DataFrame({"value": [visible(v, 200) for v in facts.values()]},
                          index=list(facts)))
    if "ledger" in s:
        show_crossing(s["ledger"])
    st.caption("Concepts (labels and descriptions as written in the packet, shown as plain "
               "text)")
    st.dataframe(pd.DataFrame([{"id": visible(c.id, 80), "label": visible(c.label, 80),
                                "kind": visible(c.kind, 40), "members": c.members,
                                "description": visible(c.description, 200)}
                               for c in rep.manifest.concepts]),
                 hide_index=True, width="stretch", height=240)
    if "graph" in s:
        g = s["graph"]
        ref = g.get("reference") or {}
        by_type = ", ".join(f"{visible(k, 30)} {v}" for k, v in g["by_type"].items())
        st.text(f"Abstraction graph: {g['nodes']} nodes, {g['edges']} edges "
                f"({by_type or 'none'}); method: {visible(g['method'], 200)}")
        if ref:
            st.caption("Against the domain's reference (scoring only; the packet never saw it)")
            st.dataframe(pd.DataFrame([
                {"edges": visible(kind, 30),
                 **{visible(m, 30): (round(v, 3) if isinstance(v, float) else v)
                    for m, v in fig.items()}} for kind, fig in ref.items()]),
                hide_index=True, width="stretch")
        t = s["traces"]
        st.text(f"Reasoning traces: {t['count']} traces, {t['steps']} steps; method: "
                f"{visible(t['method'], 200)}")
