"""Public words as shared reference strings for relative readouts (issue 16, direction 2).

Both sides can encode a public word list locally, so its words are reference points that need
no paired task input: the relative readout describes an input by its cosines to the concept
labels *and* to these words (:mod:`m2kt.concepts.relative`). The list is the whole-word part
of the MiniLM tokenizer's vocabulary (``vocab.txt``, a public file shipped with the builtins):
lower-case alphabetic entries of at least 4 letters, in vocabulary order, with every word that
occurs in the teacher's own ``teacher_train`` inputs removed — so no private text crosses as a
word. Nothing else of the task is read (BENCHMARK v3: public strings are chosen without dev or
test texts); a word may be a pool, dev or test input, and the benchmark reports how many are
(:func:`overlap`) — a packet's per-word readout counts every word as a task string either way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from m2kt.domains.base import Task

#: the most public words a packet may carry
MAX_WORDS = 20_000
#: the public words of the variants chosen with 2,000 (``transductive-words`` and those built
#: on it, ``relative-direct``) and with 10,000: kept so that their rows and reports stay
#: reproducible
WORDS_V1, WORDS_10K = 2000, 10_000
_WORD = re.compile(r"[a-z]{4,}")


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """The whole words of the MiniLM tokenizer's vocabulary, in its order."""
    from pathlib import Path

    from m2kt.models.builtins import BUILTINS

    vocab = (Path(BUILTINS["minilm-l6"].locate()) / "vocab.txt").read_text(encoding="utf-8")
    return tuple(w for w in vocab.split("\n") if _WORD.fullmatch(w))


def teacher_words(task: Task) -> set[str]:
    """Every lower-case alphabetic word of the teacher's own ``teacher_train`` inputs (and
    their queries): the only split the teacher side may read."""
    out: set[str] = set()
    for e in task.splits["teacher_train"]:
        out.update(re.findall(r"[a-z]+", f"{e.text} {e.query or ''}".lower()))
    return out


def overlap(strings: list[str], texts: list[str]) -> int:
    """How many of ``strings`` are, exactly (case-folded, trimmed), one of ``texts`` — the
    benchmark's report of public strings that happen to be inputs of the evaluated split."""
    seen = {t.strip().casefold() for t in texts}
    return sum(1 for s in strings if s.strip().casefold() in seen)


def reads_words(task: Task) -> bool:
    """Whether a packet of ``task`` can carry public words: language-track class tasks (the
    relative readout reads them; pair tasks have none, and a symbolic teacher cannot read
    English words)."""
    from m2kt.concepts.teacher import QUERY_TASKS

    return task.track == "language" and task.name not in QUERY_TASKS


def default_words(task: Task) -> int:
    """The public words a packet of ``task`` carries when its builder does not say: what the
    default ingestion variant reads (:data:`m2kt.ingest.variants.DEFAULT_VARIANT`; none since
    BENCHMARK v3 counts each word as a crossing string), 0 where :func:`reads_words` is
    false."""
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant

    return get_variant(DEFAULT_VARIANT).relative_words if reads_words(task) else 0


def public_words(task: Task, k: int) -> list[str]:
    """The first ``k`` words of :func:`vocabulary` that no ``teacher_train`` input of ``task``
    contains (:func:`teacher_words`)."""
    if not 0 <= k <= MAX_WORDS:
        raise ValueError(f"public words: 0 to {MAX_WORDS:,}, not {k}")
    taken = teacher_words(task) if k else set()
    return [w for w in vocabulary() if w not in taken][:k]
