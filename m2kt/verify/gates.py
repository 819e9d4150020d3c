"""Gates: a named check with its figure, threshold and pass/fail (DESIGN §2, Verification)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from m2kt.packet.reader import VerifiedPacket
from m2kt.store.audit import decision
from m2kt.verify.policy import SafetyPolicy


@dataclass(frozen=True)
class Gate:
    """A check's figure against its threshold. A gate without a figure is *not applicable*:
    neither a pass nor a failure (``passed`` and ``failed`` both False, ``status`` "n/a")."""

    name: str
    stage: str  # "pre" | "post"
    figure: float | None
    threshold: float | None
    op: str  # ">=", "<=", "=="
    passed: bool
    detail: str = ""

    @property
    def status(self) -> str:
        """"pass", "fail" or "n/a" (no figure)."""
        if self.figure is None and not self.passed:
            return "n/a"
        return "pass" if self.passed else "fail"

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def as_dict(self) -> dict:
        return asdict(self) | {"status": self.status}


def status_of(g: dict) -> str:
    """The status of a gate read back from a report (older reports lack ``status``)."""
    if "status" in g:
        return g["status"]
    return "pass" if g.get("passed") else "fail"


def summary(statuses: list[str]) -> str:
    """"5 passed, 1 failed, 1 not applicable" (parts with zero omitted, passed always)."""
    n = {s: statuses.count(s) for s in ("pass", "fail", "n/a")}
    parts = [f"{n['pass']} passed"]
    if n["fail"]:
        parts.append(f"{n['fail']} failed")
    if n["n/a"]:
        parts.append(f"{n['n/a']} not applicable")
    return ", ".join(parts)


def check(name: str, stage: str, figure: float | None, threshold: float, op: str,
          detail: str = "") -> Gate:
    if figure is None:
        return Gate(name, stage, None, threshold, op, False, detail or "not applicable")
    ok = {">=": figure >= threshold, "<=": figure <= threshold, "==": figure == threshold,
          "<": figure < threshold}[op]
    # 4 significant digits, not 4 decimals: a p-value of 1e-80 stays 1e-80, not 0
    return Gate(name, stage, float(f"{float(figure):.4g}"), threshold, op, bool(ok), detail)


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
    """The gates table printed by ``ingest``: one row per gate (name, figure, threshold,
    result), its detail in full on the lines below it — nothing is cut off."""
    import textwrap

    lines = [f"{'gate':58} {'figure':>9} {'threshold':>12}  result"]
    for g in gates:
        fig = "—" if g.figure is None else f"{g.figure:.4g}"
        lines.append(f"{g.name:58} {fig:>9} {g.op + ' ' + format(g.threshold, '.4g'):>12}  "
                     f"{g.status.upper()}")
        if g.detail:
            lines += textwrap.wrap(g.detail, 96, initial_indent="    ",
                                   subsequent_indent="    ")
    return "\n".join(lines)
