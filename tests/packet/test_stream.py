"""Streamed statistics (m2kt.packet.stream): the sample does not depend on how the stream is
cut, merged statistics equal one pass, and bad inputs files fail on the line that is bad."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from m2kt.concepts.manifold import ManifoldStats
from m2kt.errors import UsageError
from m2kt.packet.stream import (
    InputFile,
    ShardStats,
    _bottom,
    merge,
    sample_keys,
    shard_texts,
)

N, D, K = 300, 5, 3


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    h = rng.normal(size=(N, D)).astype(np.float32)
    proba = rng.dirichlet(np.ones(K), size=N).astype(np.float32)
    return h, proba, proba.argmax(1)


def _shard(start: int, stop: int, sample: int) -> ShardStats:
    """What shard_statistics returns for rows start…stop of the synthetic stream."""
    h, proba, c = _data()
    stats = ManifoldStats(K, D)
    stats.update(h[start:stop], c[start:stop])
    st = ShardStats(stop - start, 1, stats, sample_keys(start, stop - start, seed=7),
                    np.arange(start, stop, dtype=np.int64),
                    [f"t{i}" for i in range(start, stop)], h[start:stop], proba[start:stop])
    return _bottom(st, sample)


def _stream(cuts: list[int], sample: int) -> ShardStats:
    acc = None
    for a, b in zip(cuts, cuts[1:], strict=False):
        acc = merge(acc, _shard(a, b, sample), sample)
    assert acc is not None
    return acc


def test_keys_depend_on_position_and_seed_only() -> None:
    k = sample_keys(0, 100, seed=3)
    assert np.array_equal(k[40:60], sample_keys(40, 20, seed=3))
    assert len(np.unique(k)) == 100
    assert not np.array_equal(k, sample_keys(0, 100, seed=4))


@pytest.mark.parametrize("cuts", [[0, 300], [0, 17, 150, 151, 300], list(range(0, 301, 25))])
def test_sample_and_sums_do_not_depend_on_the_cut(cuts: list[int]) -> None:
    one = _stream([0, N], sample=40)
    st = _stream(cuts, sample=40)
    assert st.n == N and st.shards == len(cuts) - 1
    assert st.texts == one.texts and np.array_equal(st.positions, one.positions)
    assert np.array_equal(st.hidden, one.hidden) and np.array_equal(st.proba, one.proba)
    # the sample: the 40 smallest keys of the whole stream, in stream order
    want = np.sort(np.argsort(sample_keys(0, N, seed=7))[:40])
    assert np.array_equal(st.positions, want)
    np.testing.assert_allclose(st.stats.sq, one.stats.sq, atol=1e-9)
    np.testing.assert_allclose(st.stats.sum, one.stats.sum, atol=1e-9)
    assert np.array_equal(st.stats.count, one.stats.count)


def test_sample_larger_than_stream_keeps_everything_in_order() -> None:
    st = _stream([0, 100, 200, 300], sample=1000)
    assert np.array_equal(st.positions, np.arange(N))
    assert [e.key for e in st.examples()[:2]] == ["input:0", "input:1"]
    assert {e.label for e in st.examples()} == {0}  # nothing about gold labels is known


def test_shard_texts_cuts_a_lazy_stream() -> None:
    seen = []

    def gen():
        for i in range(10):
            seen.append(i)
            yield str(i)

    shards = shard_texts(gen(), 4)
    start, first = next(shards)
    assert (start, first) == (0, ["0", "1", "2", "3"]) and len(seen) == 4  # not read ahead
    assert list(shards) == [(4, ["4", "5", "6", "7"]), (8, ["8", "9"])]
    with pytest.raises(UsageError, match="at least 1"):
        next(shard_texts(iter(["a"]), 0))


def test_input_file_plain_and_jsonl(tmp_path: Path) -> None:
    plain = tmp_path / "a.txt"
    plain.write_text("one\n\n  two  \r\nthree\n", encoding="utf-8")
    assert list(InputFile(plain)) == ["one", "two", "three"]
    assert InputFile(plain).check() == 3
    js = tmp_path / "a.jsonl"
    js.write_text('{"text": "x y"}\n{"text": "z", "id": 3}\n', encoding="utf-8")
    assert list(InputFile(js)) == ["x y", "z"]


@pytest.mark.parametrize(("content", "message"), [
    (b"fine\n\xff\xfe\n", "line 2: not UTF-8 text"),
    (b"fine\nbad\x00line\n", "line 2: holds a NUL character"),
    (b"a\n" + b"x" * 20_001 + b"\n", "line 2: 20,001 characters"),
    (b'{"text": "a"}\n{"txt": "b"}\n', 'line 2: needs a non-empty string "text"'),
    (b'{"text": "a"}\n{"text": \n', "line 2: not valid JSON"),
    (b"\n  \n", "holds no text"),
])
def test_input_file_errors_name_the_line(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        InputFile(p).check()


def test_input_file_missing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        InputFile(tmp_path / "none.txt").check()
