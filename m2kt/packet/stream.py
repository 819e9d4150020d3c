"""The teacher's statistics of a stream of its own inputs, shard by shard (issue 18).

A packet's largest parts are sums: each concept's member count, sum and second moment
(:class:`~m2kt.concepts.manifold.ManifoldStats`) merge exactly across shards. Everything that
needs the vectors themselves — the readouts fitted to the teacher's answers, the traces, the
per-layer centroids — reads a **bounded sample** of the stream: every input gets a key (a hash
of the seed and its position in the stream) and the ``sample`` inputs with the smallest keys are
kept. Bottom-k by key is decided input by input, so the sample does not depend on how the
stream was cut into shards nor on the order the shards finish, and merging two shards' samples
keeps the bottom ``sample`` of their union.

Peak memory is one shard's vectors plus the sample plus the statistics (k × d × d floats), not
the stream: :func:`iter_input_file` reads a file line by line and :func:`shard_texts` cuts the
stream into lists of ``shard_size`` texts. Encoding bypasses the workspace's embedding cache,
which would grow with the stream.

Contract of :func:`shard_statistics` (one unit of work; runs in-process or as a Ray task,
:mod:`m2kt.packet.engine`): texts (n,) at stream positions ``start … start + n − 1`` →
:class:`ShardStats` with the manifold statistics of all n (membership: the teacher's argmax;
class tasks) and the sample rows (m ≤ min(n, sample)): keys (m,) uint64, positions (m,) int64,
texts (m,), hidden (m, d) float32 at the main layer, proba (m, L) float32.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from m2kt.concepts.manifold import ManifoldStats
from m2kt.domains.base import Example
from m2kt.domains.files import MAX_LINE_CHARS, jsonl_text
from m2kt.errors import UsageError

#: inputs per shard unless told otherwise (one shard's vectors: 4,096 × d floats)
DEFAULT_SHARD = 4096
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def sample_keys(start: int, n: int, seed: int) -> np.ndarray:
    """(n,) uint64 keys of stream positions ``start … start + n − 1`` (SplitMix64 of the
    seed and the position): the sample keeps the inputs with the smallest keys."""
    with np.errstate(over="ignore"):
        z = (np.arange(start, start + n, dtype=np.uint64)
             + np.uint64(seed & 0xFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


@dataclass
class ShardStats:
    """Statistics of ``n`` streamed inputs; see module doc for the shapes."""

    n: int
    shards: int
    stats: ManifoldStats
    keys: np.ndarray
    positions: np.ndarray
    texts: list[str]
    hidden: np.ndarray
    proba: np.ndarray

    def examples(self) -> list[Example]:
        """The sample as teacher-side examples, in stream order (no label is known: 0)."""
        return [Example(text=t, label=0, key=f"input:{int(p)}")
                for t, p in zip(self.texts, self.positions, strict=True)]


def _bottom(st: ShardStats, sample: int) -> ShardStats:
    """``st`` with only its ``sample`` smallest keys kept, in stream order."""
    keep = np.lexsort((st.positions, st.keys))[:sample]
    keep = keep[np.argsort(st.positions[keep], kind="stable")]
    return ShardStats(st.n, st.shards, st.stats, st.keys[keep], st.positions[keep],
                      [st.texts[i] for i in keep], st.hidden[keep], st.proba[keep])


def shard_statistics(teacher, texts: list[str], start: int, layer: int, sample: int,
                     seed: int) -> ShardStats:
    """One shard's statistics (module doc); ``teacher`` is a loaded
    :class:`~m2kt.concepts.teacher.Teacher` of a class task."""
    exs = [Example(text=t, label=0, key=f"input:{start + i}") for i, t in enumerate(texts)]
    proba = teacher.proba(exs, cache=False)
    hidden = teacher.hidden(exs, [layer], cache=False)[0]
    stats = ManifoldStats(proba.shape[1], hidden.shape[1])
    stats.update(hidden, proba.argmax(1).astype(int))
    st = ShardStats(len(texts), 1, stats, sample_keys(start, len(texts), seed),
                    np.arange(start, start + len(texts), dtype=np.int64), list(texts),
                    hidden.astype(np.float32), proba.astype(np.float32))
    return _bottom(st, sample)


def merge(a: ShardStats | None, b: ShardStats, sample: int) -> ShardStats:
    """The statistics of ``a``'s and ``b``'s inputs together (exact sums; bottom-``sample``
    of the union of the samples). ``a`` may be ``None`` (the first shard)."""
    if a is None:
        return b
    st = ShardStats(a.n + b.n, a.shards + b.shards, a.stats.merge(b.stats),
                    np.concatenate([a.keys, b.keys]),
                    np.concatenate([a.positions, b.positions]), a.texts + b.texts,
                    np.concatenate([a.hidden, b.hidden]), np.concatenate([a.proba, b.proba]))
    return _bottom(st, sample)


def iter_input_file(path: Path) -> Iterator[str]:
    """The texts of an inputs file, read line by line (memory does not grow with the file):
    one input per line, or JSONL with a string ``"text"`` when the first non-blank line is a
    JSON object. Blank lines are skipped. A line that is not UTF-8, holds a NUL, is longer than
    MAX_LINE_CHARS or (JSONL) lacks a text is a UsageError naming the line; so is a file with
    no text at all."""
    if not path.is_file():
        raise UsageError(f"inputs file {path}: no such file")
    jsonl: bool | None = None
    seen = 0
    with path.open("rb") as fh:
        for i, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise UsageError(f"{path.name} line {i}: not UTF-8 text") from None
            if "\x00" in line:
                raise UsageError(f"{path.name} line {i}: holds a NUL character")
            if not line.strip():
                continue
            if len(line) > MAX_LINE_CHARS:
                raise UsageError(f"{path.name} line {i}: {len(line):,} characters; the limit "
                                 f"is {MAX_LINE_CHARS:,}")
            if jsonl is None:
                jsonl = line.lstrip().startswith("{")
            seen += 1
            yield jsonl_text(line, path.name, i) if jsonl else line.strip()
    if not seen:
        raise UsageError(f"{path.name} holds no text (one input per line, or JSONL with "
                         "\"text\")")


class InputFile:
    """An inputs file as a re-iterable stream of texts (each pass reads it again, line by
    line; see :func:`iter_input_file`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[str]:
        return iter_input_file(self.path)

    def check(self) -> int:
        """Read the file through once (every line checked, nothing kept); its input count."""
        return sum(1 for _ in self)


def shard_texts(texts: Iterable[str], size: int) -> Iterator[tuple[int, list[str]]]:
    """(start position, texts) of consecutive shards of at most ``size`` texts."""
    if size < 1:
        raise UsageError(f"shard size must be at least 1, not {size}")
    buf: list[str] = []
    start = 0
    for t in texts:
        buf.append(t)
        if len(buf) == size:
            yield start, buf
            start += size
            buf = []
    if buf:
        yield start, buf
