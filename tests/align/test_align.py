"""Alignment methods: self-alignment is perfect, known maps are recovered, real pairs beat
their permutation nulls."""

from __future__ import annotations

import numpy as np
import pytest

from m2kt.align import ALIGNERS, alignment_metrics, make

PAIRED = [n for n, cls in ALIGNERS.items() if cls.paired]


def _clustered(n: int = 600, d: int = 24, k: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d)) * np.linspace(2, 0.5, d)
    return centres[rng.integers(0, k, n)] + rng.normal(scale=0.6, size=(n, d))


def test_registry_has_every_method() -> None:
    assert {"procrustes", "ridge", "cca", "relative", "unsupervised", "cal"} <= set(ALIGNERS)
    with pytest.raises(Exception, match="unknown alignment method"):
        make("nope")
    with pytest.raises(ValueError, match="registered twice"):
        from m2kt.align.base import Aligner, register

        register("ridge")(type("Dup", (Aligner,), {}))


@pytest.mark.parametrize("name", [*PAIRED, "unsupervised"])
def test_self_alignment_is_perfect(name: str) -> None:
    x = _clustered()
    al = make(name).fit(x, x)
    m = alignment_metrics(al.transform(x[:200]), al.target(x[:200]), n_perm=5)
    assert m["top1"]["value"] > 0.99, (name, m["top1"])
    assert m["mean_rank"]["value"] < 1.05
    assert m["cka"]["value"] > 0.99


@pytest.mark.parametrize("name", PAIRED)
def test_recovers_rotation_on_held_out_points(name: str) -> None:
    x = _clustered()
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(24, 24)))
    y = x @ q * 2.0 + 3.0 + np.random.default_rng(2).normal(scale=0.05, size=x.shape)
    al = make(name).fit(x[:400], y[:400])
    m = alignment_metrics(al.transform(x[400:]), al.target(y[400:]), n_perm=10)
    assert m["cka"]["value"] > 0.95
    assert m["top1"]["value"] > m["top1"]["null"] + 0.5
    assert m["top1"]["p"] < 0.1


def _mixture_sample(n: int, seed: int, d: int = 24, k: int = 12) -> np.ndarray:
    """``n`` points from one fixed mixture of ``k`` clusters (the mixture never changes; the
    sample does with ``seed``)."""
    centres = np.random.default_rng(0).normal(scale=4.0, size=(k, d)) * np.linspace(2, 0.5, d)
    rng = np.random.default_rng(100 + seed)
    return centres[rng.integers(0, k, n)] + rng.normal(scale=0.6, size=(n, d))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unsupervised_recovers_rotation_without_pairs(seed: int) -> None:
    """Two *different* samples of one distribution, one of them rotated: the map from the
    unpaired clouds sends held-out points onto their own rotated copies."""
    q, _ = np.linalg.qr(np.random.default_rng(3 + seed).normal(size=(24, 24)))
    x, y_all = _mixture_sample(1200, seed), _mixture_sample(1200, seed + 10) @ q
    al = make("unsupervised", k=24, clusters=12, seed=seed).fit(x, y_all)
    held = _mixture_sample(200, 99)
    m = alignment_metrics(al.transform(held), al.target(held @ q), n_perm=10)
    # far above its permutation null (the exact top-1 varies with BLAS threads: 0.49–0.9)
    assert m["top1"]["value"] > m["top1"]["null"] + 0.3
    assert m["mutual_knn"]["value"] > m["mutual_knn"]["null"] + 0.3


def test_default_pair_alignment_beats_null() -> None:
    """MiniLM-L3 → MiniLM-L6 on WordNet words: fitted on 400 words, scored on 200 others."""
    from m2kt.domains.registry import get_task
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    words = [e.text for e in get_task("supersense", max_examples=600).splits["transfer_pool"]]
    words = (words * 3)[:600] if len(words) < 600 else words[:600]
    xs = cached_encode(load("minilm-l3"), words)
    yt = cached_encode(load("minilm-l6"), words)
    for name in ("ridge", "procrustes", "relative"):
        al = make(name).fit(xs[:400], yt[:400])
        m = alignment_metrics(al.transform(xs[400:]), al.target(yt[400:]), n_perm=20)
        assert m["top1"]["value"] > m["top1"]["null"] + 0.1, (name, m)
        assert m["cka"]["value"] > m["cka"]["null"] + 0.1
        assert m["mutual_knn"]["value"] > m["mutual_knn"]["null"]
