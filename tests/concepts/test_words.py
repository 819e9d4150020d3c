"""Public words for relative readouts: none occurs in any task input; the packet carries them
and its relative readout has one column per label and word."""

from __future__ import annotations

import pytest

from m2kt.concepts.words import MAX_WORDS, public_words, task_words, vocabulary
from m2kt.domains.registry import get_task


def test_public_words_avoid_every_task_input_and_are_deterministic() -> None:
    task = get_task("multistep")
    words = public_words(task, 300)
    assert len(words) == 300 == len(set(words))
    assert not set(words) & task_words(task)
    assert words == public_words(task, 300) and words == [w for w in vocabulary()
                                                          if w in set(words)][:300]
    assert all(w.isalpha() and w.islower() and len(w) >= 4 for w in words)


def test_public_words_bounds() -> None:
    task = get_task("multistep")
    assert public_words(task, 0) == []
    with pytest.raises(ValueError):
        public_words(task, MAX_WORDS + 1)


def test_default_words_per_kind_of_task() -> None:
    """10,000 on the built-in language class tasks (the default variant's), 2,000 on a user's
    own domain (any other name: domain names may not take a built-in task's), none on pair or
    symbolic tasks."""
    from dataclasses import replace

    from m2kt.concepts.words import DEFAULT_WORDS, WORDS_V1, default_words

    supersense = get_task("supersense")
    assert default_words(supersense) == DEFAULT_WORDS == 10_000
    own = replace(supersense, name="topics", params={"examples_sha256": "0" * 64})
    assert default_words(own) == WORDS_V1 == 2000
    assert default_words(get_task("hypernymy")) == default_words(get_task("multistep")) == 0
