"""The domain interface shared by the packet builder, the benchmark and the workbench.

A :class:`Task` is a labelled problem with named concepts, four disjoint splits, an optional
reference graph (used only to score what a teacher extracts — never copied into a packet) and
the registry names of its default teacher and student.

Splits (BENCHMARK.md v2), disjoint by the unit that generalises (lemma, synset, entity, pair,
formula):

- ``teacher_train`` — labelled; the teacher's private data, never crosses;
- ``transfer_pool`` — the student side's own unlabelled inputs (KD inputs and anchors too);
- ``dev`` — labelled, held out: **every research choice reads dev only** (defaults, variants,
  readouts, λ weights, thresholds, training settings) and ingestion's gates score on it;
- ``test`` — held out; read only to score the final benchmark report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx

Track = Literal["language", "symbolic", "reasoning"]
#: tracks whose models are pretrained text models read through a trained head (the language
#: machinery: cached encodings, softmax heads, label-name starts); ``symbolic`` fine-tunes its
#: tiny from-scratch students instead
TEXT_TRACKS: tuple[str, ...] = ("language", "reasoning")
SPLITS: tuple[str, ...] = ("teacher_train", "transfer_pool", "dev", "test")
#: labelled held-out splits: ``dev`` for every choice, ``test`` for the final report only
EVAL_SPLITS: tuple[str, ...] = ("dev", "test")
DEFAULT_FRACTIONS: tuple[float, float, float, float] = (0.45, 0.30, 0.10, 0.15)


@dataclass(frozen=True)
class Concept:
    """A named unit of knowledge. ``id`` is stable; ``label`` is human-readable text."""

    id: str
    label: str
    kind: str
    description: str = ""


@dataclass(frozen=True)
class Example:
    """One input with its gold answer.

    ``text``: what the model reads (rendered).  ``label``: index into ``Task.labels``.
    ``key``: the unit of splitting (lemma, entity, pair), so splits are disjoint by it.
    ``query``: for pair tasks, the concept id the question is about (else ``None``).
    ``trace``: ground-truth step-wise values (indices into ``Task.step_labels``), multistep only.
    """

    text: str
    label: int
    key: str
    query: str | None = None
    trace: tuple[int, ...] = ()


@dataclass(frozen=True)
class Task:
    """A task of one track; see module doc. ``splits`` maps each name of SPLITS to examples."""

    name: str
    track: Track
    description: str
    labels: tuple[str, ...]
    concepts: tuple[Concept, ...]
    splits: dict[str, tuple[Example, ...]]
    teacher: str
    student: str
    seed: int
    reference: nx.DiGraph | None = None
    step_labels: tuple[str, ...] = ()
    params: dict[str, object] = field(default_factory=dict)

    def concept(self, cid: str) -> Concept:
        for c in self.concepts:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def split_sizes(self) -> dict[str, int]:
        return {s: len(self.splits[s]) for s in SPLITS}


def split_of(key: str, seed: int, fractions: Sequence[float] = DEFAULT_FRACTIONS) -> str:
    """Deterministic split assignment of ``key``: a SHA-256 of ``seed:key`` mapped to [0, 1).

    Independent of ordering and of every other key, so the same key always lands in the same
    split for a seed, and splits are disjoint by key by construction.
    """
    h = int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8], "big") / 2**64
    acc = 0.0
    if len(fractions) != len(SPLITS):
        raise ValueError(f"one fraction per split {SPLITS}, got {list(fractions)}")
    for name, frac in zip(SPLITS, fractions, strict=True):
        acc += frac
        if h < acc:
            return name
    return SPLITS[-1]


def assign_splits(
    examples: Iterable[Example], seed: int, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> dict[str, tuple[Example, ...]]:
    """Group examples into the four splits by :func:`split_of` of their ``key``."""
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for ex in examples:
        out[split_of(ex.key, seed, fractions)].append(ex)
    return {s: tuple(v) for s, v in out.items()}


#: name → builder(seed) for every task; filled by the track modules.
TASK_BUILDERS: dict[str, Callable[..., Task]] = {}


def register(name: str) -> Callable[[Callable[..., Task]], Callable[..., Task]]:
    """Register a task builder under ``name``; a duplicate name is a programming error."""

    def deco(fn: Callable[..., Task]) -> Callable[..., Task]:
        if name in TASK_BUILDERS:
            raise ValueError(f"task {name!r} registered twice")
        TASK_BUILDERS[name] = fn
        return fn

    return deco
