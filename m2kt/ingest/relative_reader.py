"""The student answering with the packet's relative readout directly (zero crossing).

The student describes an input by the cosines of its own vector to its own vectors of the
packet's reference strings (concept labels, then public words), z-scored by the statistics of
its own unlabelled pool, and reads the teacher-fitted relative head on that profile
(:mod:`m2kt.concepts.relative`): class tasks read the profile, pair tasks
:func:`~m2kt.concepts.relative.pair_features` of it and the queried concept. Only the head's
weights crossed; the reference strings are public. Class tasks may add per-concept offsets
that make the pool's answers follow the packet's concept prior (label-free).

Saved with the ingested student as ``relative.safetensors``: ``ref`` (S, d_s) the student's
vectors of the S strings, ``mean`` and ``std`` (S,) its pool profiles' statistics,
``offsets`` (L,), and the head as ``head.weight|bias|mean|scale|l2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from m2kt.concepts import relative as concept_relative
from m2kt.errors import NotAModelError, SemanticError
from m2kt.heads import LinearHead


@dataclass(frozen=True)
class RelativeReader:
    """``ref`` (S, d_s), ``mean``/``std`` (S,), ``offsets`` (L,), ``head`` over S features
    (class) or :func:`~m2kt.concepts.relative.pair_feature_count` (k, S) (pair); ``pair_k``:
    the concept count on pair tasks, else None."""

    ref: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    offsets: np.ndarray
    head: LinearHead
    pair_k: int | None = None

    def logits(self, s: np.ndarray, queries: np.ndarray | None = None) -> np.ndarray:
        """Student vectors (n, d_s) (+ queried concept indices (n,) on pair tasks) → (n, L)."""
        z = (concept_relative.profiles(s, self.ref) - self.mean) / self.std
        if self.pair_k is not None:
            if queries is None:
                raise ValueError("a pair task's relative readout needs the queried concepts")
            z = concept_relative.pair_features(z, queries, self.pair_k)
        return self.head.logits(z).astype(np.float64) + self.offsets

    def answer(self, s: np.ndarray, queries: np.ndarray | None = None) -> np.ndarray:
        """Answers (n,) as label indices."""
        return self.logits(s, queries).argmax(1)

    def tensors(self) -> dict[str, np.ndarray]:
        head = {f"head.{k}": v for k, v in self.head.tensors().items()}
        return {"ref": self.ref, "mean": self.mean, "std": self.std, "offsets": self.offsets,
                "pair_k": np.array([self.pair_k or 0], np.float32), **head}

    @classmethod
    def from_tensors(cls, t: dict[str, np.ndarray]) -> RelativeReader:
        """The reader saved by :meth:`tensors`; raises NotAModelError when a tensor is missing
        or the shapes do not fit together (a damaged or foreign ``relative.safetensors``)."""
        try:
            head = LinearHead.from_tensors({k[5:]: v for k, v in t.items()
                                            if k.startswith("head.")})
            k = int(t["pair_k"][0])
            r = cls(t["ref"], t["mean"], t["std"], t["offsets"], head, k or None)
        except (KeyError, IndexError, ValueError) as exc:
            raise NotAModelError(f"relative.safetensors lacks {exc}: not a saved relative "
                                 "readout") from exc
        s = len(r.ref)
        width = s if r.pair_k is None else concept_relative.pair_feature_count(r.pair_k, s)
        if (r.ref.ndim != 2 or r.mean.shape != (s,) or r.std.shape != (s,)
                or head.weight.shape != (len(r.offsets), width) or not np.all(r.std > 0)):
            raise NotAModelError("relative.safetensors: its tensors' shapes do not fit "
                                 "together (a damaged or foreign file)")
        return r


def reader_for(head: LinearHead, ref: np.ndarray, s_pool: np.ndarray, pair_k: int | None,
               prior: np.ndarray | None = None) -> RelativeReader:
    """The reader of the packet's relative ``head`` with the student's own vectors ``ref``
    (S, d_s) of the reference strings, standardised by its own pool ``s_pool`` (n, d_s).
    ``prior`` (L,): class tasks' offsets then make the pool's answers follow it
    (:func:`m2kt.ssl.prior_offsets`). Raises SemanticError when the head's width does not fit
    the strings (a packet whose relative readout is for another layout)."""
    n_str = len(ref)
    want = n_str if pair_k is None else concept_relative.pair_feature_count(pair_k, n_str)
    if head.weight.shape[1] != want:
        raise SemanticError(f"the packet's relative readout reads {head.weight.shape[1]} "
                            f"features; this task's layout has {want}")
    r = concept_relative.profiles(s_pool, ref)
    mean, std = r.mean(0), r.std(0) + 1e-6
    offsets = np.zeros(head.weight.shape[0])
    reader = RelativeReader(ref, mean, std, offsets, head, pair_k)
    if prior is not None and pair_k is None:
        from m2kt.ssl import prior_offsets

        offsets = prior_offsets(reader.logits(s_pool), prior)
        reader = RelativeReader(ref, mean, std, np.asarray(offsets, np.float64), head, pair_k)
    return reader
