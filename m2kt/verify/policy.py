"""The safety policy: blocked concepts, maximum drift of protected behaviour, CAL norm bound,
protected probes (texts that must never be read as certain concepts), gate thresholds.

Loaded from JSON — the workspace's own ``policy.json`` when it has one (``$M2KT_HOME/
policy.json``), else ``assets/safety_policy.json`` — and used both as the L_safe term of the
composite loss and as post-ingestion gates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from m2kt.errors import UsageError

DEFAULT_POLICY = Path(__file__).resolve().parents[2] / "assets" / "safety_policy.json"


@dataclass(frozen=True)
class Probe:
    task: str
    text: str
    forbidden: tuple[str, ...]


@dataclass(frozen=True)
class SafetyPolicy:
    blocked_concepts: tuple[str, ...] = ()
    max_drift: float = 0.5
    cal_norm_bound: float = 25.0
    min_trace_agreement: float = 0.25
    max_protected_violations: float = 0.2
    protected_probes: tuple[Probe, ...] = field(default_factory=tuple)

    def probes_for(self, task: str) -> list[Probe]:
        return [p for p in self.protected_probes if p.task == task]


def policy_path() -> Path:
    """The policy this workspace uses: its own ``policy.json`` if present, else the shipped
    default."""
    from m2kt.config import workspace

    own = workspace().root / "policy.json"
    return own if own.is_file() else DEFAULT_POLICY


def load_policy(path: Path | None = None) -> SafetyPolicy:
    """Parse a policy file (default: :func:`policy_path`); a UsageError names what is
    wrong."""
    path = path or policy_path()
    try:
        raw = json.loads(path.read_text())
        probes = tuple(Probe(p["task"], p["text"], tuple(p["forbidden"]))
                       for p in raw.get("protected_probes", []))
        return SafetyPolicy(
            blocked_concepts=tuple(raw.get("blocked_concepts", [])),
            max_drift=float(raw.get("max_drift", 0.5)),
            cal_norm_bound=float(raw.get("cal_norm_bound", 25.0)),
            min_trace_agreement=float(raw.get("min_trace_agreement", 0.25)),
            max_protected_violations=float(raw.get("max_protected_violations", 0.2)),
            protected_probes=probes)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"safety policy {path} is unusable: {exc}") from exc
