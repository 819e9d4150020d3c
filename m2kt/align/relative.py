"""Relative representations: each space describes a point by its cosine similarities to that
space's own anchors (z-scored per anchor), giving a shared, rotation-invariant space."""

from __future__ import annotations

import numpy as np

from m2kt.align.base import Aligner, register


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


@register("relative")
class Relative(Aligner):
    """``fit`` keeps the paired anchors of both sides (their centred, normalised vectors);
    ``transform``/``target`` are similarity profiles against them, z-scored."""

    def fit(self, xs, yt):
        xs, yt = np.asarray(xs, np.float64), np.asarray(yt, np.float64)
        self.mx, self.my = xs.mean(0), yt.mean(0)
        self.ax, self.ay = _unit(xs - self.mx), _unit(yt - self.my)
        px, py = self.ax @ self.ax.T, self.ay @ self.ay.T
        self.sx, self.sy = (px.mean(0), px.std(0) + 1e-6), (py.mean(0), py.std(0) + 1e-6)
        return self

    def transform(self, xs):
        r = _unit(np.asarray(xs, np.float64) - self.mx) @ self.ax.T
        return (r - self.sx[0]) / self.sx[1]

    def target(self, yt):
        r = _unit(np.asarray(yt, np.float64) - self.my) @ self.ay.T
        return (r - self.sy[0]) / self.sy[1]
