"""The composite loss's terms and their default weights λ (light: pages import it)."""

from __future__ import annotations

TERMS = ("geo", "struct", "reason", "safe")
#: λ per term. λ_struct is chosen on dev by ``python scripts/dev_choices.py``: the candidate
#: with the best mean dev accuracy over the language tasks, 3 seeds each (every candidate and
#: task in docs/results/research/dev-choices.json; the candidates differ by less than a seed's
#: spread).
DEFAULT_WEIGHTS = {"geo": 1.0, "struct": 0.2, "reason": 1.0, "safe": 1.0}
