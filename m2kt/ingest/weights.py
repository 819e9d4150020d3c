"""The composite loss's terms and their default weights λ (light: pages import it)."""

from __future__ import annotations

TERMS = ("geo", "struct", "reason", "safe")
#: λ per term. λ_struct is 0: with the default variant the structural term (λ 0.2, the weight
#: ``research/probes/dev_choices.py`` once chose among 0 / 0.05 / 0.2 / 1) moves no task's dev
#: accuracy by more than 0.001 on average over 3 seeds, with either graph extraction
#: (``python research/probes/graph_probe.py``, research/results/graph-probe*.json; research log,
#: direction 6), so it is kept nowhere. It is still computed and logged every step, and
#: ``--weights struct=0.2`` (or the Align & Ingest page) turns it on.
DEFAULT_WEIGHTS = {"geo": 1.0, "struct": 0.0, "reason": 1.0, "safe": 1.0}
