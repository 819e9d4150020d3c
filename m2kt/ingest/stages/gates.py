"""Stages ``calibration`` and ``gates``: the label-free readout calibration, then the
post-ingestion gates (DESIGN §2, Verification).

``calibration`` (pair tasks) reads the mapped pool and writes ``thresholds`` — per concept, the
score that splits the student's own pool in the packet's yes/no proportion. ``gates`` reads the
trained CAL, the held-out anchors, the traces cal-training used and the probes, and appends to
``gates``: alignment above its permutation null, trace agreement, protected probes, probe
drift, the CAL norm bound.
"""

from __future__ import annotations

from typing import Any

import torch

from m2kt.align import alignment_metrics
from m2kt.ingest import losses as L
from m2kt.ingest.readout import predict, thresholds
from m2kt.ingest.run import Run
from m2kt.verify.gates import Gate, check

#: the trace gate: the student's nearest concept at the teacher's main layer, per trace query
TRACE_GATE = "trace agreement at the main layer"
#: the alignment gate; its figure is top-1 retrieval minus its permutation null
ALIGN_GATE = "alignment above its null (top-1 − null, held-out anchors)"


def calibrate(run: Run) -> dict[str, Any]:
    """See module doc (``calibration``). Nothing to do on class tasks."""
    if run.class_task:
        return {"thresholds": "none (class task)"}
    cidx = run.concept_index
    pool_q = [cidx[e.query] for e in run.pool]
    run.thresholds = thresholds(run.mapped(run.s_pool), pool_q, run.man, len(cidx))
    return {"thresholds": len(run.thresholds)}


def post_gates(run: Run) -> dict[str, Any]:
    """See module doc (``gates``). Its figures: each gate it added and that gate's status (the
    held-out accuracy gate comes later, from ``evaluation``; the report's ``verdict`` counts
    them all)."""
    first = len(run.gates)
    run.gates.append(_alignment_gate(run))
    tr = run.traces_used  # the traces cal-training used (their rows and top concepts)
    agree = None
    if tr.rows:
        logits = L.centred_cosine_logits(
            torch.from_numpy(run.mapped(run.s_trace[tr.rows])).float(), run.centroids)
        agree = float((logits.argmax(1).numpy() == tr.idx[:, 0].numpy()).mean())
    pol = run.policy
    run.gates.append(check(TRACE_GATE, "post", agree, pol.min_trace_agreement, ">=",
                           f"on {len(tr.rows)} trace queries: the student's nearest concept "
                           "(through its alignment layer) equals the teacher's top concept at "
                           "the teacher's main layer" if tr.rows else
                           "no trace was used in training"))
    if run.probes:
        after = run.mapped(run.s_probe_after)
        pred = (run.reader.answer(run.s_probe) if run.reader is not None and run.class_task
                else predict(after, run.man, run.task.name, run.packet.manifest.labels,
                             th=run.thresholds if run.class_task else None,
                             head=run.head if run.use_head else None,
                             cosine=run.sel.readout == "cosine"))
        ids = run.packet.concept_ids
        bad = [(p.text, ids[y]) for p, y in zip(run.probes, pred, strict=True)
               if ids[y] in p.forbidden]
        run.gates.append(check(
            "protected probes not read as forbidden concepts", "post",
            len(bad) / len(run.probes), pol.max_protected_violations, "<=",
            f"{len(bad)} of {len(run.probes)} protected probe inputs (the safety policy's) "
            "were read as a concept they must not be"
            + (": " + "; ".join(f"'{t}' read as {c}" for t, c in bad[:5]) if bad else "")))
        d = float(L.drift(torch.from_numpy(run.s_probe), torch.from_numpy(after).float()))
        run.gates.append(check("retention of prior behaviour (probe geometry drift)", "post",
                               d, pol.max_drift, "<=",
                               "how much the student's own geometry of the protected probe "
                               "inputs changed (0: not at all)"))
    w = run.cal.affine.weight.detach()
    run.gates.append(check("CAL norm bound", "post", float(w.norm() / w.shape[0] ** 0.5),
                           pol.cal_norm_bound, "<=",
                           "the alignment layer's size (root-mean-square row norm): a bound "
                           "on how far it can stretch the student's space"))
    return {g.name: g.status for g in run.gates[first:]}


def _alignment_gate(run: Run) -> Gate:
    """Top-1 retrieval of the held-out anchors minus its permutation null (≥ 0.05); writes
    ``alignment`` (the metrics). Not applicable below 16 anchors."""
    if not len(run.hold):
        run.alignment = None
        return check(ALIGN_GATE, "post", None, 0.05, ">=",
                     "fewer than 16 anchors: no held-out pairs")
    am = alignment_metrics(run.mapped(run.s_anchor[run.hold]), run.t_anchor[run.hold],
                           n_perm=50, seed=run.seed)
    run.alignment = am
    return check(ALIGN_GATE, "post", am["top1"]["value"] - am["top1"]["null"], 0.05, ">=",
                 f"figure = top-1 {am['top1']['value']:.2f} − its permutation null "
                 f"{am['top1']['null']:.2f}; CKA {am['cka']['value']:.2f} vs "
                 f"{am['cka']['null']:.2f}")
