"""Human and JSON summaries of a packet: provenance, concepts, graph (with precision/recall
against the domain's reference where one exists), traces, anchors, sizes."""

from __future__ import annotations

from typing import Any

from m2kt.packet.reader import ReadReport


def summarize(rep: ReadReport, size: int, reference: bool = True) -> dict[str, Any]:
    """A JSON-ready summary of what report-all mode could read (``rep.manifest`` required)."""
    m = rep.manifest
    out: dict[str, Any] = {
        "valid": rep.ok, "digest": rep.digest, "keyid": rep.keyid, "file_bytes": size,
        "issues": [{"stage": i.stage, "error": i.error, "message": i.message}
                   for i in rep.issues],
    }
    if m is None:
        return out
    prov = m.provenance
    out.update({
        "provenance": prov.model_dump(),
        "concepts": len(m.concepts), "labels": len(m.labels), "layers": m.layers,
        "main_layer": m.main_layer, "d_teacher": m.d_teacher,
        "tensors": {k: v.shape for k, v in m.tensors.items()},
    })
    p = rep.packet
    if p is not None:
        from m2kt.graph.compare import graph_summary

        out["graph"] = graph_summary([e.model_dump() for e in p.graph.edges], p.graph.method,
                                     len(p.graph.nodes), None)
        del out["graph"]["reference"]  # scored below only when asked
        out["traces"] = {"count": len(p.traces.traces), "method": p.traces.method,
                         "steps": sum(len(t.steps) for t in p.traces.traces)}
        out["anchors"] = len(p.anchors.texts)
        out["relative_words"] = len(p.anchors.words)
        out["ledger"] = crossing_summary(p, size)
        out["atlas"] = p.manifest.atlas.model_dump() if p.manifest.atlas else None
        if reference:
            out["graph"]["reference"] = reference_scores(p)
    return out


def crossing_summary(p, size: int) -> dict[str, Any]:
    """What crosses with packet ``p`` (BENCHMARK v3 ledger, :func:`m2kt.ledger.packet_ledger`)
    and, per member, how many task strings it carries teacher information for."""
    from m2kt.ledger import packet_ledger, packet_strings

    by = {k: len(set(v)) for k, v in packet_strings(p).items()}
    return {**packet_ledger(p, size).as_dict(), "task_strings_by_member": by}


def reference_scores(p) -> dict[str, Any] | None:
    """Precision/recall of the packet's graph against its domain's reference (scoring only)."""
    from m2kt.domains.registry import TASKS, get_task
    from m2kt.graph.compare import score_graph

    dom = p.manifest.provenance.domain
    if dom.task not in TASKS:
        return None
    try:
        task = get_task(dom.task, seed=dom.seed, **dict(dom.params))
    except (TypeError, ValueError):
        return None
    if task.reference is None:
        return None
    return score_graph([e.model_dump() for e in p.graph.edges], task.reference)


def render_text(s: dict[str, Any]) -> str:
    """The human summary printed by ``inspect``."""
    lines = [f"packet {s.get('digest') or '?'}  ({s['file_bytes']:,} bytes)  "
             f"{'VALID' if s['valid'] else 'NOT VALID'}"]
    for i in s["issues"]:
        lines.append(f"  ✗ [{i['stage']}] {i['error']}: {i['message']}")
    if "provenance" not in s:
        return _inert_lines(lines)
    pv = s["provenance"]
    t, d, c = pv["teacher"], pv["domain"], pv["counts"]
    lines += [
        f"teacher   {t['name']} ({t['source']}, {t['architecture']}, {t['num_layers']} layers, "
        f"d={t['hidden_size']}, pooling {t['pooling']})",
        f"          weights sha256 {t['weights_sha256']}",
        f"domain    {d['task']} ({d['track']}, seed {d['seed']})",
        f"signed    key {s['keyid']}, sequence {pv['sequence']}, by {pv['creator']} at "
        f"{pv['created_at']}" + (f", expires {pv['expires_at']}" if pv["expires_at"] else ""),
        f"parent    {pv['parent'] or '—'}",
        f"inputs    teacher {c['teacher_inputs']}, probes {c['probe_inputs']}, "
        f"anchors (crossing) {c['anchor_inputs']}",
        f"concepts  {s['concepts']} (labels {s['labels']}), layers {s['layers'][0]}.."
        f"{s['layers'][-1]}, main layer {s['main_layer']}, "
        f"rank {pv['recipe']['manifold_rank']}",
        "versions  " + ", ".join(f"{k} {v}" for k, v in pv["versions"].items()),
    ]
    if "graph" in s:
        g = s["graph"]
        types = ", ".join(f"{k} {v}" for k, v in g["by_type"].items()) or "no edges"
        lines.append(f"graph     {g['nodes']} nodes, {g['edges']} edges ({types})")
        for name, sc in (g.get("reference") or {}).items():
            lines.append(f"          vs reference {name}: precision {sc['precision']:.2f}, "
                         f"recall {sc['recall']:.2f} ({sc['matched']}/{sc['reference']})")
        tr = s["traces"]
        lines.append(f"traces    {tr['count']} traces, {tr['steps']} steps")
        lines.append(f"anchors   {s['anchors']}")
        lg = s["ledger"]
        by = lg["task_strings_by_member"]
        lines += [
            f"crossing  {lg['crossing_inputs']:,} strings (student strings the teacher read "
            f"{lg['to_teacher']:,}; strings with the teacher's task information "
            f"{lg['task_strings']:,}: anchors {by['anchors']:,}, traces {by['traces']:,}, "
            f"relative readout {by['relative']:,}), {lg['bytes']:,} bytes"]
        if s.get("atlas"):
            a = s["atlas"]
            lines.append(f"atlas     leans on atlas {a['digest'][:16]}… ({a['strings']:,} "
                         f"strings of {a['teacher']}, counted once per teacher as atlas "
                         "strings when an ingestion reads it)")
    return _inert_lines(lines)


def _inert_lines(lines: list[str]) -> str:
    """Packet strings reach a terminal: escape control, bidi and zero-width characters."""
    from m2kt.render.escape import visible

    return "\n".join(visible(line, 100_000) for line in lines)
