"""Public words for relative readouts: none occurs in the teacher's own ``teacher_train``
inputs, and nothing else of the task is read to choose them (BENCHMARK v3); the packet carries
them and its relative readout has one column per label and word."""

from __future__ import annotations

import pytest

from m2kt.concepts.words import MAX_WORDS, overlap, public_words, teacher_words, vocabulary
from m2kt.domains.registry import get_task


def test_public_words_avoid_teacher_train_and_are_deterministic() -> None:
    task = get_task("supersense")
    words = public_words(task, 3000)
    assert len(words) == 3000 == len(set(words))
    assert not set(words) & teacher_words(task)
    train = {e.text for e in task.splits["teacher_train"]}
    assert not set(words) & train


def test_public_words_read_only_teacher_train() -> None:
    """Changing dev, test and the pool changes nothing: the words never read them."""
    import dataclasses

    task = get_task("supersense")
    blank = {s: () for s in ("transfer_pool", "dev", "test")}
    only_train = dataclasses.replace(task, splits={**task.splits, **blank})
    assert public_words(only_train, 2000) == public_words(task, 2000)
    # some are inputs of the other splits: reported by the bench, never filtered
    assert overlap(public_words(task, 2000), [e.text for e in task.splits["test"]]) > 0


def test_words_deterministic_and_well_formed() -> None:
    task = get_task("multistep")
    words = public_words(task, 300)
    assert words == public_words(task, 300) and words == [w for w in vocabulary()
                                                          if w in set(words)][:300]
    assert all(w.isalpha() and w.islower() and len(w) >= 4 for w in words)


def test_public_words_bounds() -> None:
    task = get_task("multistep")
    assert public_words(task, 0) == []
    with pytest.raises(ValueError):
        public_words(task, MAX_WORDS + 1)


def test_default_words_per_kind_of_task() -> None:
    """None by default since BENCHMARK v3 counts each public word as a crossing string: the
    default variant's packet carries no word, on a built-in task or a user's own domain; pair
    and symbolic tasks never read words; the words variant carries 10,000."""
    from dataclasses import replace

    from m2kt.concepts.words import WORDS_10K, default_words, reads_words
    from m2kt.ingest.variants import get_variant

    supersense = get_task("supersense")
    assert reads_words(supersense) and default_words(supersense) == 0
    own = replace(supersense, name="topics", params={"examples_sha256": "0" * 64})
    assert default_words(own) == 0
    assert not reads_words(get_task("hypernymy")) and not reads_words(get_task("multistep"))
    assert default_words(get_task("hypernymy")) == default_words(get_task("multistep")) == 0
    assert get_variant("student-anchors-words").relative_words == WORDS_10K
