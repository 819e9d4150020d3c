"""Atlases: a teacher's vectors of public strings, built once without any task.

An atlas is its own signed artefact (``*.m2kt-atlas``, :mod:`m2kt.atlas.artefact`): the
teacher's pooled vectors of ``k`` public strings chosen with no task in view
(:func:`atlas_strings`). Every task packet of that teacher can lean on the same atlas, and a
ledger counts its strings once per teacher as ``atlas_strings`` (BENCHMARK v3), apart from a
task's own crossing strings.
"""

from __future__ import annotations

from m2kt.atlas.artefact import (
    ATLAS_FORMAT,
    Atlas,
    atlas_strings,
    build_atlas,
    read_atlas,
)

__all__ = ["ATLAS_FORMAT", "Atlas", "atlas_strings", "build_atlas", "read_atlas"]
