"""Load an ingested student directory and answer with it alone (no packet, no teacher)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from m2kt.concepts import readout as concept_readout
from m2kt.concepts.manifold import Manifolds
from m2kt.errors import NotAModelError, UsageError
from m2kt.heads import LinearHead
from m2kt.ingest.readout import predict
from m2kt.ingest.relative_reader import RelativeReader
from m2kt.models import encode, load
from m2kt.models.loader import LoadedModel


@dataclass
class IngestedStudent:
    meta: dict
    lm: LoadedModel
    cal: object
    man: Manifolds
    thresholds: np.ndarray | None
    head: LinearHead | None = None
    #: the packet's relative readout, when the student answers with it (zero crossing)
    reader: RelativeReader | None = None

    def answer(self, texts: list[str], query: str | None = None) -> list[str]:
        """Labels for ``texts`` (class tasks: concept ids); pair tasks need ``query`` (a
        concept id)."""
        return [self.meta["labels"][i] for i in self.answer_indices(texts, query)]

    def concept_label(self, cid: str) -> str:
        """The human label of concept ``cid`` (the id itself for students exported before
        labels were recorded, and for pair tasks' yes/no)."""
        labels = dict(zip(self.meta["concepts"], self.meta.get("concept_labels", []),
                          strict=False))
        return labels.get(cid, cid)

    def answer_indices(self, texts: list[str], query: str | None = None) -> np.ndarray:
        """Answers (n,) as indices into ``meta["labels"]``."""
        import torch

        if self.meta["pair_task"] and not query:
            raise UsageError(f"task {self.meta['task']} asks about a concept: pass --query "
                             f"(one of {', '.join(self.meta['concepts'][:8])} …)")
        if query and query not in self.meta["concepts"]:
            raise UsageError(f"unknown concept {query!r} for task {self.meta['task']}")
        x = encode(self.lm, texts)
        q = [self.meta["concepts"].index(query)] * len(texts) if query else None
        if self.reader is not None:
            return self.reader.answer(x, None if q is None else np.array(q))
        with torch.no_grad():
            y = self.cal(torch.from_numpy(x)).numpy().astype(np.float64)
        return predict(y, self.man, self.meta["task"], self.meta["labels"], q, self.thresholds,
                       head=self.head, cosine=self.meta.get("readout") == "cosine")


def load_student(path_or_name: str) -> IngestedStudent:
    """Load an ingested student by directory or workspace name."""
    from pathlib import Path

    from safetensors.numpy import load_file
    from safetensors.torch import load_file as load_torch

    from m2kt.align.cal import build_cal
    from m2kt.config import workspace

    here, named = Path(path_or_name), workspace().students / path_or_name
    if not here.is_dir() and not named.is_dir():  # never ask the hub for a student
        raise UsageError(f"no ingested student at {path_or_name!r} (nor in this workspace's "
                         "students/): ingest one first — python -m m2kt ingest PACKET --out "
                         "DIR — or list them with python -m m2kt models")
    lm = load(path_or_name)
    meta_path = lm.path / "m2kt_student.json"
    if not meta_path.is_file():
        raise NotAModelError(f"{lm.path} is a model but not an ingested M2KT student "
                             "(no m2kt_student.json)")
    meta = json.loads(meta_path.read_text())
    cal = build_cal(meta["d_student"], meta["d_teacher"], meta["cal_hidden"])
    cal.load_state_dict(load_torch(str(lm.path / "cal.safetensors")))
    cal.eval()
    ro = load_file(str(lm.path / "readout.safetensors"))
    man = Manifolds(ro["centroids"], ro["basis"], ro["spreads"], ro["residual_var"], ro["counts"])
    rel = lm.path / "relative.safetensors"
    reader = RelativeReader.from_tensors(load_file(str(rel))) if rel.is_file() else None
    return IngestedStudent(meta, lm, cal, man, ro.get("thresholds"),
                           concept_readout.from_tensors(ro), reader)
