"""Public words as shared reference strings for relative readouts (issue 16, direction 2).

Both sides can encode a public word list locally, so its words are reference points that need
no paired task input: the relative readout describes an input by its cosines to the concept
labels *and* to these words (:mod:`m2kt.concepts.relative`). The list is the whole-word part
of the MiniLM tokenizer's vocabulary (``vocab.txt``, a public file shipped with the builtins):
lower-case alphabetic entries of at least 4 letters, in vocabulary order, with every word that
occurs in any of the task's inputs (any split) removed — so no task input crosses as a word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from m2kt.domains.base import Task

#: the most public words a packet may carry
MAX_WORDS = 20_000
#: public words in a packet when its builder does not say (language class tasks): what the
#: default variant reads on that track, chosen on dev (docs/research-log.md, "Where the
#: language ceiling gap comes from"; 10,000 words over 2,000: supersense +0.014 ± 0.006,
#: gloss +0.007 ± 0.005, higher on every seed, docs/results/research/words10k-probe.json)
DEFAULT_WORDS = 10_000
#: the public words of the variants chosen with 2,000 (``transductive-words`` and those built
#: on it, ``relative-direct``): kept so that their rows and reports stay reproducible
WORDS_V1 = 2000
_WORD = re.compile(r"[a-z]{4,}")


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """The whole words of the MiniLM tokenizer's vocabulary, in its order."""
    from pathlib import Path

    from m2kt.models.builtins import BUILTINS

    vocab = (Path(BUILTINS["minilm-l6"].locate()) / "vocab.txt").read_text(encoding="utf-8")
    return tuple(w for w in vocab.split("\n") if _WORD.fullmatch(w))


def task_words(task: Task) -> set[str]:
    """Every lower-case alphabetic word of every input (and query) of every split."""
    out: set[str] = set()
    for split in task.splits.values():
        for e in split:
            out.update(re.findall(r"[a-z]+", f"{e.text} {e.query or ''}".lower()))
    return out


def default_words(task: Task) -> int:
    """The number of public words a packet of ``task`` carries by default: :data:`DEFAULT_WORDS`
    on the built-in language class tasks, :data:`WORDS_V1` on a user's own domain (a name
    outside :data:`~m2kt.domains.names.LANGUAGE_TASKS`, which domain names may not take:
    10,000 was chosen on the built-in tasks' dev, and when the teacher-side fit still grew
    with the cube of the strings the browser test that uploads a domain and ingests its packet
    took 209 s with 10,000, 41 s with 2,000), 0 otherwise (the
    words are read by the relative readout, which pair tasks do not have; a symbolic teacher
    cannot read English words)."""
    from m2kt.concepts.teacher import QUERY_TASKS
    from m2kt.domains.names import LANGUAGE_TASKS

    if task.track != "language" or task.name in QUERY_TASKS:
        return 0
    return DEFAULT_WORDS if task.name in LANGUAGE_TASKS else WORDS_V1


def public_words(task: Task, k: int) -> list[str]:
    """The first ``k`` words of :func:`vocabulary` that no input of ``task`` contains."""
    if not 0 <= k <= MAX_WORDS:
        raise ValueError(f"public words: 0 to {MAX_WORDS:,}, not {k}")
    taken = task_words(task) if k else set()
    return [w for w in vocabulary() if w not in taken][:k]
