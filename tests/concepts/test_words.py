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
