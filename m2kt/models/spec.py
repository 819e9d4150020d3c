"""Small value types shared by the model registry, loader and extractor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["builtin", "hub", "local", "ingested"]
Pooling = Literal["mean", "cls", "last"]
POOLINGS: tuple[str, ...] = ("mean", "cls", "last")

#: ``progress(message, fraction)`` with ``fraction`` in [0, 1], or ``None`` when unknown.
Progress = Callable[[str, float | None], None]


def no_progress(message: str, fraction: float | None = None) -> None:
    """A progress callback that ignores everything."""


@dataclass(frozen=True)
class ModelRef:
    """A resolved model reference: where the weights come from, not yet loaded.

    ``location`` is the builtin name, the hub id, or an absolute directory path.
    """

    name: str
    source: Source
    location: str


@dataclass(frozen=True)
class ModelInfo:
    """Architecture facts of a model, as shown by ``models`` and the Models page."""

    name: str
    source: Source
    model_type: str
    architecture: str
    layers: int
    hidden_size: int
    parameters: int | None
    tokenizer: str | None
    vocab_size: int | None
    is_decoder: bool
    default_pooling: Pooling
    default_template: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every fact."""
        return {
            "name": self.name,
            "source": self.source,
            "model_type": self.model_type,
            "arch": self.architecture,
            "layers": self.layers,
            "hidden_size": self.hidden_size,
            "parameters": self.parameters,
            "tokenizer": self.tokenizer,
            "vocab_size": self.vocab_size,
            "is_decoder": self.is_decoder,
            "default_pooling": self.default_pooling,
            "default_template": self.default_template,
            **self.extra,
        }


def counted(what: str, done: int, total: int, t0: float) -> str:
    """A progress message with counts, elapsed time and an estimate of the rest:
    ``"encoded 4,096 / 21,665 · 12 s elapsed · ~52 s left"``; ``t0`` from ``perf_counter``."""
    import time

    elapsed = time.perf_counter() - t0
    msg = f"{what} {done:,} / {total:,} · {_dur(elapsed)} elapsed"
    if 0 < done < total:
        msg += f" · ~{_dur(elapsed / done * (total - done))} left"
    return msg


def _dur(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s} s" if s < 120 else f"{s // 60} min {s % 60:02d} s"

