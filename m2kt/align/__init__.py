"""Alignment methods (registry ``ALIGNERS``) and metrics with permutation nulls."""

from m2kt.align import cal, linear, relative, unsupervised  # noqa: F401  (register methods)
from m2kt.align.base import ALIGNERS, Aligner, make
from m2kt.align.metrics import alignment_metrics

__all__ = ["ALIGNERS", "Aligner", "alignment_metrics", "make"]
