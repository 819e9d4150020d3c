"""Stage ``read-relative`` (zero crossing): the student will answer with the packet's relative
readout read on its own profiles (:mod:`m2kt.ingest.relative_reader`) instead of through the
CAL — the CAL is still trained, for the gates and the concept views.

Reads the packet's relative head, the student's vectors of its own pool (``s_pool``) and the
reference strings (the concepts' labels, then the packet's public words on class tasks), which
it encodes itself and counts as student-side inputs. Writes ``reader``. On class tasks with
``Variant.relative_prior`` the pool's answers are made to follow the packet's concept prior.
A packet without a relative readout (a symbolic pair task's) leaves the CAL answering.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from m2kt.concepts import relative as concept_relative
from m2kt.ingest.relative_reader import reader_for
from m2kt.ingest.run import Run


def read_relative(run: Run) -> dict[str, Any]:
    """See module doc."""
    head = concept_relative.from_tensors(run.packet.tensors)
    if head is None:  # symbolic pair tasks (and older packets): the CAL answers, as `relative`
        run.progress("the packet carries no relative readout: the student answers through "
                     "the CAL", 0.8)
        return {"skipped": "the packet carries no relative readout (packets of symbolic pair "
                           "tasks have none): the CAL answers"}
    words = list(run.packet.anchors.words) if run.class_task else []
    ref = run.encode_texts(concept_relative.reference_strings(
        [c.label for c in run.task.concepts], words))
    run.ledger.student_inputs += len(ref)
    prior = run.concept_prior() if run.class_task and run.var.relative_prior else None
    k = None if run.class_task else len(run.packet.concept_ids)
    run.reader = reader_for(head, ref, run.s_pool, k, prior)
    run.progress("the student reads the packet's relative readout on its own profiles "
                 f"({len(ref)} reference strings it encoded itself)", 0.8)
    cidx = run.concept_index
    q = None if run.class_task else np.array([cidx[e.query] for e in run.pool])
    answers = run.reader.answer(run.s_pool, q)
    hist = np.bincount(answers, minlength=len(run.packet.manifest.labels))
    return {"reference strings": len(ref), "pool inputs read": len(run.s_pool),
            "labels answered on the pool": int((hist > 0).sum()),
            "prior offsets": prior is not None}
