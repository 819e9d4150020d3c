"""Alignment estimators (scikit-learn style) and their registry.

Every aligner maps the *student* space into a comparison space: ``fit(xs, yt)`` learns from
student vectors ``xs`` (n, d_s) and teacher vectors ``yt`` (n, d_t) — paired row by row for the
supervised methods, unpaired samples for ``unsupervised`` — then ``transform(xs)`` gives the
student side and ``target(yt)`` the teacher side in that space (identity for maps straight into
teacher space; relative representations use a shared anchor-similarity space).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class Aligner:
    """Base class: subclasses implement ``fit`` and ``transform``; ``paired`` says whether
    ``fit`` needs row-paired inputs."""

    name = "base"
    paired = True

    def fit(self, xs: np.ndarray, yt: np.ndarray) -> Aligner:
        raise NotImplementedError

    def transform(self, xs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def target(self, yt: np.ndarray) -> np.ndarray:
        """The teacher side in the comparison space (teacher space itself by default)."""
        return np.asarray(yt, dtype=np.float64)


ALIGNERS: dict[str, Callable[..., Aligner]] = {}


def register(name: str) -> Callable[[type[Aligner]], type[Aligner]]:
    """Class decorator adding an aligner to the registry; duplicates are refused."""

    def deco(cls: type[Aligner]) -> type[Aligner]:
        if name in ALIGNERS:
            raise ValueError(f"aligner {name!r} registered twice")
        cls.name = name
        ALIGNERS[name] = cls
        return cls

    return deco


def make(name: str, **kwargs) -> Aligner:
    """A new aligner by registry name (UsageError-style KeyError message on unknown names)."""
    from m2kt.errors import UsageError

    if name not in ALIGNERS:
        raise UsageError(f"unknown alignment method {name!r}; choose from {', '.join(ALIGNERS)}")
    return ALIGNERS[name](**kwargs)


def center(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x − mean, mean) in float64."""
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(0)
    return x - mu, mu
