"""The guided demo in a terminal (``python -m m2kt demo``): the whole pipeline, then the card,
whose figures are the engine's own report."""

from __future__ import annotations

import json
from pathlib import Path


def test_demo_cli_prints_the_card_of_the_engines_report(capsys) -> None:
    from m2kt.cli import main

    rc = main(["demo", "--task", "multistep"])
    out = capsys.readouterr()
    # exit 1 exactly when a gate failed, and then the verdict says so and names it
    failed = "FAILED gate" in out.out
    assert rc == (1 if failed else 0)
    assert ("VERDICT: DO NOT DEPLOY" in out.out) == failed
    assert "Result: multistep — the new student answers alone (dev split)" in out.out
    assert "crossed: " in out.out and "the teacher read" in out.out
    assert "6/6 verification" in out.err and " s] " in out.err  # progress with the CLI's clock
    student = Path(out.out.split("student at ")[1].split()[0])
    report = json.loads((student / "ingestion_report.json").read_text())
    assert f"accuracy {report['accuracy']:.3f}" in out.out
    assert f"{report['ledger']['crossing_inputs']:,} strings" in out.out
    # the packet is the one the benchmark builds for the default variant
    from m2kt.config import workspace
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant
    from m2kt.packet.reader import peek_manifest

    newest = max(workspace().packets.glob("*.m2kt"), key=lambda p: p.stat().st_mtime)
    params = peek_manifest(newest.read_bytes()).provenance.recipe.params
    assert params["anchor_selection"] == get_variant(DEFAULT_VARIANT).anchor_selection
