"""Is an accuracy above a starting point beyond chance? One rule for the ingestion gate and
the benchmark report."""

from __future__ import annotations

from dataclasses import dataclass

#: one-sided significance level of "beats the starting point"
ALPHA = 0.05


@dataclass(frozen=True)
class AboveStart:
    """``bar``: the higher of the recorded start and uniform chance; ``p``: one-sided binomial
    p-value of ``acc`` on ``n`` test items against ``bar`` (None without ``n``)."""

    beats: bool
    p: float | None
    bar: float


def above_start(acc: float, n: int | None, start: float | None,
                chance: float | None = None, alpha: float = ALPHA) -> AboveStart | None:
    """``acc`` (fraction correct on ``n`` held-out items; a mean over seeds is fine) against
    the student's ``start`` or uniform ``chance``, whichever is higher. None when neither is
    known. Without ``n`` it is a plain comparison."""
    bar = max((x for x in (start, chance) if x is not None), default=None)
    if bar is None:
        return None
    if not n:
        return AboveStart(acc > bar, None, bar)
    from scipy.stats import binomtest

    p = float(binomtest(int(round(acc * n)), int(n), min(max(bar, 1e-9), 1 - 1e-9),
                        alternative="greater").pvalue)
    return AboveStart(p < alpha, p, bar)


def format_p(p: float | None) -> str:
    """A p-value as people read it: "p < 0.001", "p = 0.012", "p = 0.34" (— when unknown)."""
    if p is None:
        return "—"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"
