"""Stage ``encode``: the student reads its inputs, and every one is counted.

Reads the packet (anchors, traces, manifolds, readout), the task's ``transfer_pool`` (texts and
queries only, never labels) and the policy's probes. Writes ``anchors``, ``traces``, ``pool``,
``probes``, their student vectors ``s_*``, the anchors' teacher vectors ``t_anchor``, the
manifolds (``man``, ``centroids``, ``live``, ``tau``), the packet's ``head``, the anchors held
out for the alignment gate (``hold``) and those the map is fitted on (``fit_idx``), and the
ledger's student side (its crossing side is the packet's, counted from what the packet
holds when the run was prepared: :func:`m2kt.ledger.packet_ledger`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from m2kt.concepts import readout as concept_readout
from m2kt.errors import UsageError
from m2kt.ingest.readout import manifolds_of
from m2kt.ingest.run import Run
from m2kt.models.spec import within


def encode(run: Run) -> dict[str, Any]:
    """See module doc. A variant that reads neither the anchors nor the traces
    (``zero_crossing``) still received them, if the packet holds them: the ledger counts what
    crossed, not what was read."""
    m, var = run.packet.manifest, run.var
    run.anchors = [] if var.zero_crossing else list(run.packet.anchors.texts)
    run.traces = [] if var.zero_crossing else list(run.packet.traces.traces)
    pool = list(run.task.splits["transfer_pool"])
    if len(pool) > run.pool_limit:
        keep = np.sort(np.random.default_rng(run.seed).permutation(len(pool))[:run.pool_limit])
        pool = [pool[i] for i in keep]
    run.pool, run.probes = pool, run.policy.probes_for(run.task.name)
    run.progress(f"the student encodes {len(run.anchors)} anchors, {len(run.traces)} trace "
                 f"queries, {len(pool):,} of its own unlabelled inputs and "
                 f"{len(run.probes)} safety probes", 0.0)
    run.s_anchor = run.encode_texts(run.anchors)
    run.s_trace = run.encode_texts(run.trace_texts())
    run.s_pool = run.encode_texts([e.text for e in pool],
                                  within(run.progress, 0.05, 0.9, "its own inputs: "))
    run.s_probe = run.encode_texts([p.text for p in run.probes])
    run.ledger.student_inputs = (len(run.anchors) + len(run.traces) + len(pool)
                                 + len(run.probes))
    empty = np.zeros((0, m.d_teacher), np.float32)
    run.t_anchor = empty if var.zero_crossing else run.packet.tensors.get("anchors", empty)
    run.man = manifolds_of(run.packet.tensors, m.main_layer)
    run.centroids = torch.from_numpy(np.array(run.man.centroids))
    run.live = run.man.counts > 0
    run.tau = (float(np.median(run.man.residual_var[run.live]) * m.d_teacher)
               if run.live.any() else 1.0)
    # loading a model the first time in a process draws from torch's RNG (weight init before
    # the checkpoint is read): re-seed here so the CAL init and dropout do not depend on it
    torch.manual_seed(run.seed)
    _hold_out(run)
    run.head = concept_readout.from_tensors(run.packet.tensors)
    return {"anchors": len(run.anchors), "trace queries": len(run.traces),
            "unlabelled inputs": len(pool), "probes": len(run.probes),
            "anchors held out": len(run.hold)}


def _hold_out(run: Run) -> None:
    """An eighth of the anchors (at least 8; none below 16) held out for the alignment gate."""
    n = len(run.anchors)
    n_hold = max(8, n // 8) if n >= 16 else 0
    perm = np.random.default_rng(run.seed + 1).permutation(n)
    run.hold, run.fit_idx = perm[:n_hold], perm[n_hold:]
    if len(run.fit_idx) < 2 and not run.var.zero_crossing:
        raise UsageError("this packet carries too few anchors to initialise the CAL "
                         "(build it with --anchors 16 or more, or use a zero-crossing "
                         "variant: --variant zero)")
