"""Small value types shared by the model registry, loader and extractor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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



def within(progress: Progress, lo: float, hi: float, prefix: str = "") -> Progress:
    """The progress of a sub-step that occupies ``[lo, hi]`` of its caller's: its fractions
    (0 → 1) are mapped into that range and its messages prefixed with ``prefix``; an unknown
    fraction (``None``) stays unknown."""
    def report(message: str, fraction: float | None = None) -> None:
        f = None if fraction is None else lo + (hi - lo) * min(max(fraction, 0.0), 1.0)
        progress(f"{prefix}{message}", f)

    return report


class Monotone:
    """A progress callback whose fractions never go down: a fraction below the highest one
    reported so far is reported as that one (messages always pass). Wraps another callback."""

    def __init__(self, progress: Progress):
        self.progress, self.top = progress, 0.0

    def __call__(self, message: str, fraction: float | None = None) -> None:
        if fraction is not None:
            self.top = max(self.top, min(fraction, 1.0))
            fraction = self.top
        self.progress(message, fraction)


class Recorder:
    """A progress callback that records every update with its time (``perf_counter``), so that
    a check can find silent waits: ``gaps()`` lists the longest intervals between updates."""

    def __init__(self, then: Progress = no_progress):
        import time

        self.then, self.t0 = then, time.perf_counter()
        self.updates: list[tuple[float, str, float | None]] = []

    def __call__(self, message: str, fraction: float | None = None) -> None:
        import time

        self.updates.append((time.perf_counter() - self.t0, message, fraction))
        self.then(message, fraction)

    def gaps(self, top: int = 5) -> list[tuple[float, str, str]]:
        """The ``top`` longest waits: ``(seconds, message before, message after)``."""
        out = [(b[0] - a[0], a[1], b[1]) for a, b in zip(self.updates, self.updates[1:],
                                                         strict=False)]
        return sorted(out, reverse=True)[:top]

    def fractions_monotone(self) -> bool:
        """Whether the reported fractions never went down."""
        fr = [f for _, _, f in self.updates if f is not None]
        return all(b >= a for a, b in zip(fr, fr[1:], strict=False))


def messages_only(progress: Progress, prefix: str = "") -> Progress:
    """A sub-step's messages (prefixed) without its fractions, for a caller whose own bar
    measures something else (a benchmark's runs done): the messages say what is happening, the
    bar does not jump back to a sub-step's 5 %."""
    def report(message: str, fraction: float | None = None) -> None:
        progress(f"{prefix}{message}", None)

    return report


@contextmanager
def ticking(progress: Progress, message: str, fraction: float | None = None,
            every: float = 2.0) -> Iterator[None]:
    """Within the ``with`` block, ``progress(f"{message} · N s", fraction)`` every ``every``
    seconds from a helper thread (work that cannot report itself: imports, a first read of a
    data set). The thread is stopped and joined before the block's caller goes on, so no two
    progress calls overlap."""
    stop = threading.Event()
    t0 = time.perf_counter()

    def tick() -> None:
        while not stop.wait(every):
            progress(f"{message} · {time.perf_counter() - t0:.0f} s", fraction)

    th = threading.Thread(target=tick, name="m2kt-ticking", daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join()
