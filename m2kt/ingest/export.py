"""The last step of ingestion: the new student directory, written atomically.

``out_dir`` receives the student's config and tokenizer files (and weights: the adapted ones
when the backbone trained), ``cal.safetensors`` (the CAL), ``readout.safetensors`` (the
packet's manifolds, the pair thresholds, the teacher readout when the student answers with it),
``relative.safetensors`` (only when the student answers with the packet's relative readout:
:class:`~m2kt.ingest.relative_reader.RelativeReader`),
``m2kt_student.json`` (what loading needs) and ``ingestion_report.json`` (everything measured,
each stage's figures included). Nothing is visible under ``out_dir`` until all of it is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.concepts import readout as concept_readout
from m2kt.ingest.readout import PAIR_TASKS
from m2kt.ingest.run import Run
from m2kt.packet.writer import write_atomic
from m2kt.verify.verdict import verdict


def export(run: Run, stages: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Write the student (see module doc); returns the ingestion report."""
    from safetensors.numpy import save_file as save_np
    from safetensors.torch import save_file

    run.progress("writing the new student", 0.95)
    out = run.out_dir
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _copy_student(run, tmp)
    save_file({k: v.detach().contiguous() for k, v in run.cal.state_dict().items()},
              str(tmp / "cal.safetensors"))
    save_np({k: np.ascontiguousarray(v, np.float32) for k, v in _readout(run).items()},
            str(tmp / "readout.safetensors"))
    if run.reader is not None:
        save_np({k: np.ascontiguousarray(v, np.float32) for k, v in run.reader.tensors().items()},
                str(tmp / "relative.safetensors"))
    report = _report(run, stages, seconds)
    (tmp / "m2kt_student.json").write_text(json.dumps(_meta(run), indent=2))
    write_atomic(tmp / "ingestion_report.json", json.dumps(report, indent=2).encode())
    if out.exists():
        out.rmdir()
    tmp.rename(out)
    return report


def _copy_student(run: Run, tmp: Path) -> None:
    for f in run.lm.path.iterdir():
        if f.is_file() and (f.suffix in (".json", ".txt", ".safetensors", ".model")):
            shutil.copy2(f, tmp / f.name)
    if run.encoder is not None:  # the adapted backbone replaces the copied weights
        run.encoder.model.save_pretrained(tmp, safe_serialization=True)


def _readout(run: Run) -> dict[str, np.ndarray]:
    man = run.man
    ro = {"centroids": man.centroids, "basis": man.basis, "spreads": man.spreads,
          "residual_var": man.residual_var, "counts": man.counts}
    if run.thresholds is not None:
        ro["thresholds"] = run.thresholds.astype(np.float32)
    if run.use_head:
        ro.update(concept_readout.to_tensors(run.head))
    return ro


def _meta(run: Run) -> dict[str, Any]:
    m, info = run.packet.manifest, run.lm.info
    return {"m2kt_student": 1, "task": run.task.name, "labels": list(m.labels),
            "concepts": list(run.packet.concept_ids),
            "concept_labels": [c.label for c in m.concepts],
            "pair_task": run.task.name in PAIR_TASKS, "student": info.name,
            "pooling": info.default_pooling, "template": info.default_template,
            "d_student": info.hidden_size, "d_teacher": m.d_teacher,
            "cal_hidden": run.cal.mlp[0].out_features, "packet_digest": run.packet.digest,
            "method": run.sel.method, "readout": run.sel.readout, "variant": run.var.name,
            "answers": "relative readout" if run.reader is not None else "CAL",
            "seed": run.seed}


def _report(run: Run, stages: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    ev = run.evaluation
    return {"packet_digest": run.packet.digest, "task": run.task.name,
            "student": run.lm.info.name, "method": run.sel.method, "readout": run.sel.readout,
            "selection": run.sel.table, "variant": run.var.name, "seed": run.seed,
            "weights": run.lam, "steps": run.steps, "stages": stages,
            "ledger": run.ledger.as_dict(), "preflight": run.preflight,
            "curves": run.curves,
            "gates": [g.as_dict() for g in run.gates], "verdict": verdict(run.gates),
            "accuracy": ev.get("acc"), "eval_split": run.eval_split,
            "student_before": run.student_before, "alignment": run.alignment,
            "seconds": round(seconds, 2)}
