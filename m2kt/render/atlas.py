"""What an atlas and the task packets that lean on it each carry, as table rows (the Packets
page's Atlases tab; no streamlit here).

An atlas (:mod:`m2kt.atlas`) crosses once per teacher; each task packet crosses once per task.
Rows: ``what``, ``crosses`` (once per teacher / per task), ``atlas strings``, ``anchors``,
``traces``, ``reference strings``, ``task strings`` (their distinct union), ``bytes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from m2kt.render.escape import visible


def carry_rows(atlas: Any, packets: Sequence[Any]) -> list[dict[str, Any]]:
    """One row for ``atlas`` (:class:`~m2kt.atlas.Atlas`), then one per verified packet of
    ``packets`` that names it by digest (others are left out). Packet text is made visible
    (control characters escaped), never interpreted."""
    from m2kt.ledger import distinct, packet_strings

    rows: list[dict[str, Any]] = [{
        "what": f"atlas of {visible(atlas.teacher.name, 80)} ({atlas.digest[:12]}…)",
        "crosses": "once per teacher", "atlas strings": len(atlas.strings), "anchors": 0,
        "traces": 0, "reference strings": 0, "task strings": 0, "bytes": atlas.size}]
    for p in packets:
        ref = p.manifest.atlas
        if ref is None or ref.digest != atlas.digest:
            continue
        by = packet_strings(p)
        rows.append({
            "what": f"{visible(p.manifest.provenance.domain.task, 80)} packet "
                    f"({p.digest[:12]}…)",
            "crosses": "once per task", "atlas strings": 0,
            "anchors": len(set(by["anchors"])), "traces": len(set(by["traces"])),
            "reference strings": len(set(by["relative"])),
            "task strings": len(distinct(by.values())), "bytes": p.size})
    return rows
