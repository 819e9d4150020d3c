"""A task's teacher as the packet builder sees it: hidden states and answer probabilities.

- Language track: the frozen encoder (e.g. ``minilm-l6``) plus the head trained on
  ``teacher_train`` (see :mod:`m2kt.domains.language`).
- Symbolic track: the tiny ``BertForSequenceClassification`` shipped in ``assets/``.

Both expose ``hidden(examples, layers)`` → (len(layers), n, d) pooled input representations
and ``proba(examples)`` → (n, n_labels) the teacher's answer distribution.  Nothing here reads
an example's gold label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from m2kt.domains.base import TEXT_TRACKS, Example, Task
from m2kt.models import load
from m2kt.models.builtins import sha256_file
from m2kt.models.loader import LoadedModel
from m2kt.models.spec import Progress, no_progress

QUERY_TASKS = ("hypernymy", "taxonomy")


@dataclass
class Teacher:
    """See module doc. ``head`` is the language head or the symbolic classifier module."""

    task: Task
    lm: LoadedModel
    head: Any
    weights_sha256: str
    #: measured figures of a language teacher's head (``acc`` on test, …); None otherwise
    record: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.lm.info.name

    def hidden(self, examples: Sequence[Example], layers: Sequence[int],
               progress: Progress = no_progress, cache: bool = True) -> np.ndarray:
        """(len(layers), n, d) float32 pooled hidden states of the examples' input text,
        through the workspace embedding cache (one file per layer; texts missing from any
        layer are encoded once, all layers in one pass); ``cache=False`` encodes directly
        (streamed inputs, :mod:`m2kt.packet.stream`: the cache would grow with them)."""
        from m2kt.domains.language import reading
        from m2kt.models.embcache import cached_encode_layers

        template = reading(self.lm, self.task)[1] if self.task.track in TEXT_TRACKS else None
        if not cache:
            from m2kt.models.extract import encode

            return encode(self.lm, [e.text for e in examples], layers=list(layers),
                          template=template, progress=progress)

        return cached_encode_layers(self.lm, [e.text for e in examples], list(layers),
                                    template=template, progress=progress)

    def proba(self, examples: Sequence[Example], progress: Progress = no_progress,
              cache: bool = True) -> np.ndarray:
        """(n, n_labels) float32 answer probabilities of the teacher (``cache``: see
        :meth:`hidden`; the symbolic teachers never cache)."""
        if self.task.track in TEXT_TRACKS:
            from m2kt.domains.language import features

            logits = self.head.logits(features(self.lm, self.task, list(examples), progress,
                                               cache=cache))
        else:
            import torch

            tok, model = self.lm.tokenizer, self.head
            out = []
            with torch.inference_mode():
                for i in range(0, len(examples), 512):
                    enc = tok([e.text for e in examples[i:i + 512]], padding=True,
                              return_tensors="pt")
                    out.append(model(**enc).logits.float().numpy())
            logits = np.concatenate(out) if out else np.zeros((0, len(self.task.labels)))
        z = logits - logits.max(1, keepdims=True)
        p = np.exp(z)
        return (p / p.sum(1, keepdims=True)).astype(np.float32)


def load_teacher(task: Task, name: str | None = None, device: str = "cpu",
                 progress: Progress = no_progress) -> Teacher:
    """The teacher of ``task`` (default: the task's own), with a SHA-256 over its weights
    (and, for the language track, its trained head)."""
    name = name or task.teacher
    lm = load(name, device=device, progress=progress)
    digests = [sha256_file(p) for p in sorted(lm.path.glob("*.safetensors"))]
    if task.track in TEXT_TRACKS:
        from m2kt.domains.language import train_language_teacher

        lt = train_language_teacher(task, model=name, device=device, progress=progress)
        head: Any = lt.head
        record: dict[str, Any] | None = lt.record
        for k, v in sorted(head.tensors().items()):
            digests.append(hashlib.sha256(k.encode() + np.ascontiguousarray(v).tobytes())
                           .hexdigest())
    else:
        from transformers import AutoModelForSequenceClassification

        head = AutoModelForSequenceClassification.from_pretrained(lm.path, use_safetensors=True)
        head.eval()
        record = None
    sha = hashlib.sha256("".join(digests).encode()).hexdigest()
    return Teacher(task=task, lm=lm, head=head, weights_sha256=sha, record=record)


def requery(task: Task, ex: Example, concept_id: str) -> Example:
    """The same subject as ``ex`` asked about another concept (pair tasks only).

    hypernymy: word X with query Y; taxonomy: the text ``"x isa y"``.  The label is unknown
    (set to 0) — probes are answered by the teacher, never by the generator."""
    if task.name == "taxonomy":
        subject = ex.text.split()[0]
        return Example(text=f"{subject} isa {concept_id}", label=0, key=f"{subject}|{concept_id}",
                       query=concept_id)
    if task.name in QUERY_TASKS:
        return Example(text=ex.text, label=0, key=ex.key, query=concept_id)
    raise ValueError(f"task {task.name} has no queries")
