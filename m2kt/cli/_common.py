"""Shared pieces of the command line: the parser that raises instead of exiting, progress on
stderr, plain tables, the trust store named by ``--trust``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from m2kt.errors import UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit 2 itself
        raise UsageError(f"{self.prog}: {message}")


_STARTED = time.monotonic()


def progress(message: str, fraction: float | None = None) -> None:
    """One progress line on stderr: ``  · 72% [  41 s] message`` (seconds since the CLI
    started, so a step that reports nothing for a while still shows how long it has run)."""
    pct = f" {fraction:4.0%}" if fraction is not None else ""
    print(f"  ·{pct} [{time.monotonic() - _STARTED:4.0f} s] {message}", file=sys.stderr,
          flush=True)


def table(rows: list[dict[str, Any]], cols: Sequence[str]) -> str:
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def trust(arg: str | None):
    from pathlib import Path

    from m2kt.packet.trust import load_store

    return load_store(Path(arg) if arg else None)
