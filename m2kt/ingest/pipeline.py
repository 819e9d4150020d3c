"""Ingestion as a pipeline of named stages (a variant lists them: :mod:`m2kt.ingest.variants`).

``encode`` → initial map (``map-anchors`` | ``map-mixture`` | ``map-relative`` |
``map-atlas``) →
``cal-training`` → (``shot``) → (``transductive`` | ``self-learning`` | ``read-relative``) →
``calibration`` → ``gates`` → ``evaluation``, then the export. Every stage is a function
``Run → figures`` in :mod:`m2kt.ingest.stages`; it reads and writes named fields of the
:class:`~m2kt.ingest.run.Run` and returns the figures the report and the Align & Ingest page
show for it. ``evaluation`` is skipped when ingestion is asked not to evaluate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from m2kt.ingest.run import Run
from m2kt.ingest.stages.encode import encode
from m2kt.ingest.stages.evaluate import evaluate
from m2kt.ingest.stages.gates import calibrate, post_gates
from m2kt.ingest.stages.initial_map import map_anchors, map_atlas, map_mixture, map_relative
from m2kt.ingest.stages.read_relative import read_relative
from m2kt.ingest.stages.self_learning import self_learning
from m2kt.ingest.stages.shot import shot
from m2kt.ingest.stages.train import train_cal
from m2kt.ingest.stages.transductive import transductive

Stage = Callable[[Run], dict[str, Any]]

#: every stage, in pipeline order (a variant runs a subsequence of it)
STAGES: dict[str, Stage] = {
    "encode": encode,
    "map-anchors": map_anchors,
    "map-mixture": map_mixture,
    "map-relative": map_relative,
    "map-atlas": map_atlas,
    "cal-training": train_cal,
    "shot": shot,
    "transductive": transductive,
    "self-learning": self_learning,
    "read-relative": read_relative,
    "calibration": calibrate,
    "gates": post_gates,
    "evaluation": evaluate,
}


#: each stage's share of an ingestion's progress bar (a rough share of its time; the shares
#: of the stages a variant runs are normalised to the whole bar)
WEIGHTS = {"encode": 3.0, "map-anchors": 1.0, "map-mixture": 1.0, "map-relative": 1.0,
           "map-atlas": 1.0,
           "cal-training": 4.0, "shot": 4.0, "transductive": 2.0, "self-learning": 2.0,
           "read-relative": 1.0, "calibration": 0.5, "gates": 1.0, "evaluation": 1.5}


def run_stages(run: Run, evaluate_too: bool = True) -> list[dict[str, Any]]:
    """Run the variant's stages in order; returns one record per stage run:
    ``{"stage", "seconds", "figures"}``. Each stage is announced as ``stage i/n NAME`` and its
    progress fills its share of the bar (:data:`WEIGHTS`); the bar never goes back."""
    from m2kt.models.spec import Monotone, within

    names = [n for n in run.var.stages if n != "evaluation" or evaluate_too]
    total = sum(WEIGHTS[n] for n in names)
    outer, lo = Monotone(run.progress), 0.0
    records = []
    for i, name in enumerate(names, 1):
        hi = lo + WEIGHTS[name] / total
        label = f"stage {i}/{len(names)} {name}"
        outer(label, lo)
        run.progress = within(outer, lo, hi, f"{label}: ")
        t0 = time.perf_counter()
        figures = STAGES[name](run)
        records.append({"stage": name, "seconds": round(time.perf_counter() - t0, 2),
                        "figures": figures})
        lo = hi
    run.progress = outer
    return records
