"""The teacher's readout on *relative* features (optional packet part; class tasks).

Each model describes an input by the cosine of its vector to that model's **own** vectors of
the concepts' labels, z-scored with statistics of its own inputs: a C-dimensional profile that
is comparable across models without any paired input (relative representations). The teacher
fits a softmax head on its profiles of its own inputs to its own answer distributions; the
student, at ingestion, computes the same profile with its own encoder and its own unlabelled
inputs and reads the head — so only the concept labels (already in the packet) are shared.

The reference strings may go beyond the labels: a packet can carry W public words
(:mod:`m2kt.concepts.words`, ``anchors.json``'s ``words``), which each side also encodes itself;
the profile is then (C + W)-dimensional — labels first, then words, in the packet's order.

Tensors: ``relative.weight`` (L, C + W), ``relative.bias`` (L,), ``relative.mean`` (C + W,),
``relative.scale`` (C + W,) with L labels, C concepts and W words.

Pair tasks ("is x under concept q?", language track) get a relative readout too: the features
of (x, q) are x's profile placed in the queried concept's block, plus a one-hot of q
(:func:`pair_features`, C·(C + W) + C features) — one logistic readout per queried concept on
x's profile. Its tensors have the same names, with that feature count.
"""

from __future__ import annotations

import numpy as np

from m2kt.concepts import readout as concept_readout
from m2kt.heads import LinearHead

PREFIX = "relative."


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def profiles(h: np.ndarray, label_vecs: np.ndarray) -> np.ndarray:
    """(n, d) inputs × (C, d) label vectors of the same model → (n, C) cosines."""
    return _unit(h) @ _unit(label_vecs).T


def zscore(r: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Standardise profiles ``r`` with the mean and spread of the model's own ``ref`` profiles."""
    return (r - ref.mean(0)) / (ref.std(0) + 1e-6)


def fit(h: np.ndarray, label_vecs: np.ndarray, proba: np.ndarray, seed: int = 0,
        l2: float | None = None) -> tuple[LinearHead, float]:
    """Teacher side: fit the head on z-scored profiles of the teacher's own inputs ``h``
    (n, d) to its answer distributions ``proba`` (n, L); returns it and its agreement with the
    teacher's argmax on a seeded held-out fifth. The profiles have rank ≤ d + 1 however many
    strings there are, so the head is fitted in their span (the same optimum, far cheaper).
    ``l2``: the head's L2 strength, fixed (default: chosen by agreement on a held-out part of
    the teacher's inputs — the head that best copies the teacher, not necessarily the one that
    transfers best; the research log, "The relative readout itself")."""
    r = profiles(h, label_vecs)
    return concept_readout.fit_head(zscore(r, r), proba, seed, span=True, l2=l2)


def fit_cached(h: np.ndarray, label_vecs: np.ndarray, proba: np.ndarray, seed: int = 0,
               l2: float | None = None) -> tuple[LinearHead, float]:
    """:func:`fit`, remembered in the workspace (``cache/relative-readouts/``, safetensors)
    under a digest of its inputs — ``h`` (n, d), ``label_vecs`` (S, d), ``proba`` (n, L) and
    ``seed`` (and ``l2`` when fixed) — so that a packet rebuilt from the same teacher read (a
    bench seed's, a workbench rebuild's) skips the fit: the largest part of building a packet
    with public words. A missing or unreadable entry is fitted afresh and rewritten."""
    import hashlib

    from safetensors.numpy import load_file, save

    from m2kt.config import workspace
    from m2kt.packet.writer import write_atomic

    digest = hashlib.sha256(f"relative-readout/2|{seed}".encode()
                            + (b"" if l2 is None else f"|l2={l2!r}".encode()))
    for a in (h, label_vecs, proba):
        a = np.ascontiguousarray(a, np.float32)
        digest.update(repr(a.shape).encode())
        digest.update(a.tobytes())
    d = workspace().root / "cache" / "relative-readouts"
    path = d / f"{digest.hexdigest()[:24]}.safetensors"
    try:
        t = load_file(str(path))
        head = LinearHead(t["weight"], t["bias"], t["mean"], t["scale"], float(t["l2"][0]))
        shapes = {"weight": (proba.shape[1], len(label_vecs)), "bias": (proba.shape[1],),
                  "mean": (len(label_vecs),), "scale": (len(label_vecs),)}
        if all(getattr(head, k).shape == v for k, v in shapes.items()) and all(
                np.isfinite(t[k]).all() for k in t):
            return head, float(t["agreement"][0])
    except Exception:  # noqa: BLE001 — absent or unreadable: fit afresh and rewrite it
        pass
    head, agreement = fit(h, label_vecs, proba, seed, l2)
    write_atomic(path, save({**head.tensors(), "l2": np.array([head.l2], np.float64),
                             "agreement": np.array([agreement], np.float64)}))
    return head, agreement


def pair_features(z: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Pair tasks: z-scored profiles ``z`` (n, S) and queried concept indices (n,) among ``k``
    → (n, k·S + k) float32: row i holds ``z[i]`` in block ``queries[i]`` and a 1 in column
    ``k·S + queries[i]`` (a bias per queried concept)."""
    n, s = z.shape
    q = np.asarray(queries, dtype=int)
    out = np.zeros((n, k * s + k), np.float32)
    cols = q[:, None] * s + np.arange(s)[None, :]
    out[np.arange(n)[:, None], cols] = z
    out[np.arange(n), k * s + q] = 1.0
    return out


def pair_feature_count(k: int, n_strings: int) -> int:
    """Features of a pair task's relative readout: ``k`` blocks of ``n_strings``, ``k`` biases."""
    return k * n_strings + k


def fit_pair(h: np.ndarray, label_vecs: np.ndarray, proba: np.ndarray, queries: np.ndarray,
             seed: int = 0) -> tuple[LinearHead, float]:
    """Teacher side, pair tasks: the head on :func:`pair_features` of the teacher's own inputs
    ``h`` (n, d) with their queried concepts (n,) to its answer distributions ``proba`` (n, L);
    ``label_vecs`` (C, d): its vectors of the concepts' labels. Returns the head and its
    held-out agreement (as :func:`fit`)."""
    r = profiles(h, label_vecs)
    x = pair_features(zscore(r, r), queries, len(label_vecs))
    return concept_readout.fit_head(x, proba, seed)


def to_tensors(head: LinearHead) -> dict[str, np.ndarray]:
    return concept_readout.to_tensors(head, PREFIX)


def from_tensors(t: dict[str, np.ndarray]) -> LinearHead | None:
    """The packet's relative readout, or ``None`` when it carries none."""
    return concept_readout.from_tensors(t, PREFIX)


def expected_shapes(n_labels: int, n_strings: int, pair_concepts: int | None = None
                    ) -> dict[str, tuple[int, ...]]:
    """Shapes of the relative readout over ``n_strings`` reference strings (concepts + words);
    ``pair_concepts``: the concept count of a pair task's readout (:func:`pair_features`)."""
    f = n_strings if pair_concepts is None else pair_feature_count(pair_concepts, n_strings)
    return concept_readout.head_shapes(PREFIX, n_labels, f)


def reference_strings(labels: list[str], words: list[str]) -> list[str]:
    """The strings the profile measures cosines to: the concepts' labels, then the words."""
    return [*labels, *words]
