"""The guided demo in a terminal (``python -m m2kt demo``): the whole pipeline, then the card,
whose figures are the engine's own report."""

from __future__ import annotations

import json
from pathlib import Path


def test_demo_cli_prints_the_card_of_the_engines_report(capsys) -> None:
    from m2kt.cli import main

    rc = main(["demo", "--task", "multistep"])
    out = capsys.readouterr()
    # exit 1 exactly when a gate failed, and then the failed gate is named (multistep's
    # alignment gate fails on this pair: top-1 retrieval is at its permutation null)
    assert rc == (1 if "FAILED gate" in out.out else 0)
    assert "Result: multistep — the new student answers alone (dev split)" in out.out
    assert "post-ingestion gates" in out.out and "the teacher processed" in out.out
    assert "6/6 verification" in out.err and " s] " in out.err  # progress with the CLI's clock
    student = Path(out.out.split("student at ")[1].split()[0])
    report = json.loads((student / "ingestion_report.json").read_text())
    assert f"accuracy {report['accuracy']:.3f}" in out.out


def test_the_demo_packet_carries_the_builder_s_public_words() -> None:
    """The demo's language packets carry the builder's 10,000 public words, like the
    benchmark's; symbolic and pair tasks carry none, as the builder's."""
    from m2kt.concepts.words import DEFAULT_WORDS
    from m2kt.demo import demo_words
    from m2kt.domains.registry import get_task

    assert demo_words(get_task("supersense")) == demo_words(get_task("gloss")) == DEFAULT_WORDS
    assert DEFAULT_WORDS == 10_000
    assert demo_words(get_task("hypernymy")) == demo_words(get_task("multistep")) == 0
