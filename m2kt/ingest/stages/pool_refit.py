"""What the stages that refit the CAL on the student's own pool share (``transductive``,
``self-learning``; ``shot`` reads the scores and the prior distance): the readout's class
scores on teacher-space points, the ridge refit within the CAL norm bound, the shifted
targets of pseudo-labelled pool vectors, and the prior offsets with their distance figures.
"""

from __future__ import annotations

import numpy as np

from m2kt import ssl
from m2kt.align import make
from m2kt.ingest.readout import class_scores
from m2kt.ingest.run import Run


def follow_prior(run: Run, scores: np.ndarray, prior: np.ndarray
                 ) -> tuple[dict[str, float], np.ndarray]:
    """With the variant's ``prior_offsets``, set ``run.thresholds`` to the per-concept offsets
    that make the pool's answers (``scores``: (n, k)) follow ``prior`` (k,). Returns the
    answers' distance to the prior (TV) after the stage and with the offsets, and the
    answers (n,)."""
    answers = scores.argmax(1)
    figures = {"after": tv_to_prior(answers, prior)}
    if run.var.prior_offsets:
        run.thresholds = ssl.prior_offsets(scores, prior)
        answers = (scores + run.thresholds).argmax(1)
        figures["with the prior offsets"] = tv_to_prior(answers, prior)
    return figures, answers


def cal_norm(w: np.ndarray) -> float:
    """The CAL norm gate's figure of an affine map ``x W`` (W: (d_s, d_t))."""
    return float(np.linalg.norm(w) / np.sqrt(w.shape[1]))


def refit(x: np.ndarray, targets: np.ndarray, bound: float):
    """Ridge ``x → targets`` (L2 by generalised cross-validation), its L2 raised tenfold at a
    time until the map is within the safety policy's CAL norm bound."""
    fitted = make("ridge").fit(x, targets)
    while cal_norm(fitted.w) > bound and fitted.alpha < 1e8:
        fitted = make("ridge", alphas=(fitted.alpha * 10,)).fit(x, targets)
    return fitted


def shifted(y: np.ndarray, label: np.ndarray, cent: np.ndarray) -> np.ndarray:
    """Targets (m, d_t) for mapped pool vectors ``y`` with pseudo-labels ``label``: each moved
    by its concept's offset (the concept's centroid in ``cent`` minus the mean of the rows
    given that concept), so every concept's cloud lands on its centroid while the geometry
    inside it — what the drift gate watches — is kept."""
    out = y.copy()
    for c in np.unique(label):
        m = label == c
        out[m] += cent[c] - y[m].mean(0)
    return out


def readout_scores(run: Run, y: np.ndarray) -> np.ndarray:
    """The readout's class scores (n, k) for teacher-space points ``y`` (n, d_t)."""
    return class_scores(y, run.man, run.head if run.use_head else None,
                        run.sel.readout == "cosine")


def tv_to_prior(labels: np.ndarray, prior: np.ndarray) -> float:
    hist = np.bincount(labels, minlength=len(prior)) / max(1, len(labels))
    return round(float(0.5 * np.abs(hist - prior).sum()), 4)
