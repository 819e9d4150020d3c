"""Gates: a named check with its figure, threshold and pass/fail (DESIGN §2, Verification)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from m2kt.packet.reader import VerifiedPacket
from m2kt.store.audit import decision
from m2kt.verify.policy import SafetyPolicy


@dataclass(frozen=True)
class Gate:
    name: str
    stage: str  # "pre" | "post"
    figure: float | None
    threshold: float | None
    op: str  # ">=", "<=", "=="
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def check(name: str, stage: str, figure: float | None, threshold: float, op: str,
          detail: str = "") -> Gate:
    if figure is None:
        return Gate(name, stage, None, threshold, op, True, detail or "not applicable")
    ok = {">=": figure >= threshold, "<=": figure <= threshold, "==": figure == threshold,
          "<": figure < threshold}[op]
    return Gate(name, stage, round(float(figure), 4), threshold, op, bool(ok), detail)


def pre_gates(p: VerifiedPacket, conn: sqlite3.Connection, policy: SafetyPolicy) -> list[Gate]:
    """Integrity/signature/trust/schema (the reader passed), approval, blocked concepts."""
    gates = [Gate("integrity, signature, trust, schema", "pre", 1.0, 1.0, "==", True,
                  f"reader accepted digest {p.digest[:16]}…, key {p.keyid}")]
    d = decision(conn, p.digest)
    approved = d is not None and d.action == "approved"
    gates.append(Gate("human approval", "pre", 1.0 if approved else 0.0, 1.0, "==", approved,
                      f"{d.action} by {d.reviewer}: {d.reason}" if d else "no decision recorded"))
    blocked = sorted(set(p.concept_ids) & set(policy.blocked_concepts))
    gates.append(check("no blocked concepts in the packet", "pre", float(len(blocked)), 0.0, "==",
                       ", ".join(blocked)))
    return gates


def table(gates: list[Gate]) -> str:
    """The gates table printed by ``ingest``."""
    lines = [f"{'gate':44} {'figure':>9} {'threshold':>12}  result"]
    for g in gates:
        fig = "—" if g.figure is None else f"{g.figure:.4g}"
        lines.append(f"{g.name[:44]:44} {fig:>9} {g.op + ' ' + format(g.threshold, '.4g'):>12}  "
                     f"{'PASS' if g.passed else 'FAIL'}  {g.detail[:60]}")
    return "\n".join(lines)
