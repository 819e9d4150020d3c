"""Screenshot of the Reasoning Traces page on a reasoning-track packet and its student, in a
real browser (Debian chromium driven by playwright), into ``docs/screens/``.

    python scripts/screens_reasoning.py [--task boolexpr] [--home DIR] [--out docs/screens]

In workspace ``--home`` (default: a new temporary one; the teacher SmolLM2-135M is the optional
install): builds and signs a packet of ``--task`` with the CLI (``keygen``, ``build-packet``),
approves it, ingests it into a student, then opens Reasoning Traces, picks the trace with the
most steps and shoots ``reasoning-traces.png``. Prints what the page shows of the step table
(rows, student agreement) beside the packet's own traces, so the two can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cli(home: Path, *args: str) -> str:
    """``python -m m2kt ARGS`` in workspace ``home``; its stdout (a failure ends the script)."""
    r = subprocess.run([sys.executable, "-m", "m2kt", *args], cwd=ROOT, text=True,
                       capture_output=True, env={**os.environ, "M2KT_HOME": str(home)})
    if r.returncode not in (0, 1):  # 1: a gate failed — the student is still written
        raise SystemExit(f"m2kt {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def main() -> int:
    from playwright.sync_api import sync_playwright

    from scripts.screens import full_shot, serve
    from tests.browser.conftest import wait_idle

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="boolexpr")
    ap.add_argument("--home", default=None)
    ap.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    args = ap.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="m2kt-screens-r-"))
    work = Path(tempfile.mkdtemp(prefix="m2kt-screens-r-work-"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    packet = work / f"{args.task}.m2kt"
    cli(home, "keygen", "--out", str(work / "keys"))
    print(f"building a {args.task} packet (SmolLM2-135M teacher) …", flush=True)
    cli(home, "build-packet", "--domain", args.task, "--key", str(work / "keys" / "teacher.key"),
        "--out", str(packet))
    cli(home, "approve", str(packet), "--reviewer", "screens", "--reason", "reasoning screenshot")
    print("ingesting …", flush=True)
    cli(home, "ingest", str(packet), "--out", str(work / "student"))
    os.environ["M2KT_HOME"] = str(home)
    from m2kt.packet.reader import open_packet
    from m2kt.packet.trust import load_store

    traces = [t.model_dump() for t in open_packet(packet, load_store()).traces.traces]
    report = json.loads((work / "student" / "ingestion_report.json").read_text())
    print(f"  the student's verdict: {report.get('verdict')}", flush=True)
    proc, base = serve(home)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox"])
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.goto(f"{base}/traces")
            wait_idle(pg, 600_000)
            # the trace with the most named steps
            if traces:
                best = max(range(len(traces)), key=lambda k: sum(
                    1 for s in traces[k]["steps"] if s.get("input")))
                box = pg.get_by_role("combobox", name="Trace to draw")
                box.click()
                box.fill(traces[best]["id"])  # the options start with the trace id
                pg.keyboard.press("Enter")
                wait_idle(pg, 600_000)
            pg.wait_for_function("""() => [...document.querySelectorAll(
                '[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))""",
                                 timeout=600_000)
            pg.wait_for_timeout(2500)
            full_shot(pg, out / "reasoning-traces.png")
            errors = pg.locator('[data-testid="stException"]').count()
            caption = pg.get_by_text("agrees with the teacher on").first.inner_text() \
                if pg.get_by_text("agrees with the teacher on").count() else "(no student line)"
            print(f"  reasoning-traces.png{'  (EXCEPTION ON THE PAGE)' if errors else ''}")
            print(f"  the page says: {caption}")
            browser.close()
    finally:
        proc.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
