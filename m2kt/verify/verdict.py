"""One verdict over a student's gates, shared by the CLI, the ingestion report and every page:
its counts, the names of the gates that failed, and the words to show ("deploy" / "do not
deploy"). A gate without a figure is not applicable: neither a pass nor a failure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from m2kt.verify.gates import Gate, status_of, summary


def _status(g: Gate | dict[str, Any]) -> str:
    return g.status if isinstance(g, Gate) else status_of(g)


def _name(g: Gate | dict[str, Any]) -> str:
    return g.name if isinstance(g, Gate) else str(g.get("name", "?"))


def verdict(gates: Iterable[Gate | dict[str, Any]]) -> dict[str, Any]:
    """``{"deploy", "label", "counts", "summary", "failed"}`` of ``gates`` (objects or their
    report dicts): ``deploy`` only when none failed; ``counts`` per status (pass, fail, n/a);
    ``summary`` the sentence pages and the CLI print; ``failed`` the failed gates' names."""
    gates = list(gates)
    statuses = [_status(g) for g in gates]
    failed = [_name(g) for g, s in zip(gates, statuses, strict=True) if s == "fail"]
    return {"deploy": not failed, "label": "deploy" if not failed else "do not deploy",
            "counts": {s: statuses.count(s) for s in ("pass", "fail", "n/a")},
            "summary": summary(statuses), "failed": failed}
