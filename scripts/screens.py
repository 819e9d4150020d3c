"""Screenshots of every workbench page after a guided demo and after the small-domain path,
in a real browser (Debian chromium driven by playwright), into ``docs/screens/``.

    python scripts/screens.py [--task supersense] [--out docs/screens] [--home DIR]

Starts the workbench on a free loopback port with a workspace of its own (a new temporary one,
or ``--home``), then

1. **guided demo**: Home → the demo on ``--task`` → waits for its result card, watching the
   progress text (the longest time it stood still is printed) → every page, full-page
   screenshots ``demo-<page>.png`` (and ``demo-result.png``, the result card as it ends);
2. **small domain** (4 concepts × 16 sentences from the shipped example, defaults only):
   Domains (upload, save) → Packets (build) → Review & Approve (approve) → Align & Ingest
   (the student's own texts and labelled examples uploaded, defaults otherwise) → waits for
   the job to end — a student, or the reason ingestion stopped before training → every page,
   ``small-<page>.png``.

Viewport 1400 px wide. Prints one line per screenshot and a summary JSON (``screens.json``
beside them): the pages, the demo's longest silent wait, the small domain's outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: url path → file stem of every page
PAGES = {"": "home", "models": "models", "domains": "domains", "manifolds": "manifolds",
         "graph": "graph", "traces": "traces", "packets": "packets", "review": "review",
         "audit": "audit", "ingest": "ingest", "verification": "verification",
         "experiments": "experiments", "glossary": "glossary"}
#: pages that always draw a chart once their data is read
CHARTED = {"manifolds"}
SMALL = {"concepts": 4, "per_concept": 16, "name": "tiny"}


def small_domain(folder: Path) -> tuple[Path, Path]:
    """A user's small domain: the first 4 concepts of the shipped example, 16 examples each."""
    src = ROOT / "assets" / "examples" / "topics"
    lines = (src / "concepts.csv").read_text().splitlines()
    keep = [ln.split(",")[0] for ln in lines[1:1 + SMALL["concepts"]]]
    concepts = folder / "concepts.csv"
    concepts.write_text("\n".join(lines[:1 + SMALL["concepts"]]) + "\n")
    seen: dict[str, int] = {}
    rows = []
    for ln in (src / "examples.jsonl").read_text().splitlines():
        c = json.loads(ln)["concept"]
        if c in keep and seen.get(c, 0) < SMALL["per_concept"]:
            seen[c] = seen.get(c, 0) + 1
            rows.append(ln)
    examples = folder / "examples.jsonl"
    examples.write_text("\n".join(rows) + "\n")
    return concepts, examples


def serve(home: Path) -> tuple[subprocess.Popen, str]:
    """The workbench on a free port with workspace ``home``."""
    from tests.browser.conftest import _free_port

    port = _free_port()
    log = open(home / "streamlit.log", "w")  # noqa: SIM115 — closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "M2KT_HOME": str(home), "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the workbench did not start (see streamlit.log)")


def full_shot(pg, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main container, so the
    viewport is grown to that container's content (at most 8,000 px) for the shot, then
    restored."""
    pg.mouse.move(5, 5)  # no tooltip of the last control clicked over the shot
    h = pg.evaluate("""() => {
        const m = document.querySelector('[data-testid="stMainBlockContainer"]');
        return m ? m.getBoundingClientRect().top + m.scrollHeight + 80 : 1000; }""")
    pg.set_viewport_size({"width": 1400, "height": int(min(max(h, 1000), 8000))})
    pg.wait_for_timeout(800)  # the layout follows the new height
    pg.screenshot(path=str(path), full_page=True)
    pg.set_viewport_size({"width": 1400, "height": 1000})


def shoot(pg, base: str, out: Path, prefix: str) -> list[str]:
    """A full-page screenshot of every page."""
    from tests.browser.conftest import wait_idle

    names = []
    for path, stem in PAGES.items():
        pg.goto(f"{base}/{path}")
        wait_idle(pg, 600_000)
        # a page that encodes on arrival shows a spinner: shoot what it then draws
        pg.wait_for_function("() => !document.querySelector('[data-testid=\"stSpinner\"]')",
                             timeout=600_000)
        wait_idle(pg, 600_000)
        if stem in CHARTED:  # the page encodes, then draws: wait for the drawing itself
            pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=600_000)
        # every chart on the page has drawn its figure
        pg.wait_for_function("""() => [...document.querySelectorAll(
            '[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))""",
                             timeout=600_000)
        pg.wait_for_timeout(2500)  # charts and iframes settle
        name = f"{prefix}-{stem}.png"
        full_shot(pg, out / name)
        errors = pg.locator('[data-testid="stException"]').count()
        print(f"  {name}{'  (EXCEPTION ON THE PAGE)' if errors else ''}", flush=True)
        names.append(name)
    return names


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="supersense")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    ap.add_argument("--home", default=None, help="workspace to use (default: a new one)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import (
        CHROME_ARGS,
        CHROMIUM,
        approve_on_review,
        field,
        wait_idle,
        watch_progress,
    )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="m2kt-screens-")
    home = Path(args.home) if args.home else Path(tmp.name) / "ws"
    home.mkdir(parents=True, exist_ok=True)
    proc, base = serve(home)
    summary: dict = {"task": args.task, "viewport": 1400, "pages": []}
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
            pg = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            # 1. the guided demo
            pg.goto(base)
            wait_idle(pg)
            pg.locator('[data-testid="stSelectbox"]').first.click()
            pg.keyboard.type(args.task)
            pg.keyboard.press("Enter")
            wait_idle(pg)
            pg.get_by_role("button", name="Run the guided demo").click()
            t0 = time.monotonic()
            summary["demo_longest_still_s"] = round(watch_progress(pg, "Result:", 1800), 1)
            summary["demo_seconds"] = round(time.monotonic() - t0, 1)
            print(f"demo done in {summary['demo_seconds']} s; the progress text stood still "
                  f"at most {summary['demo_longest_still_s']} s", flush=True)
            full_shot(pg, out / "demo-result.png")  # the result card, as the demo ends
            print("  demo-result.png", flush=True)
            summary["pages"] += ["demo-result.png", *shoot(pg, base, out, "demo")]
            # 2. the small domain, defaults only
            files = Path(tmp.name) / "files"
            files.mkdir(exist_ok=True)
            concepts, examples = small_domain(files)
            pg.goto(f"{base}/domains")
            wait_idle(pg)
            pg.locator('input[type="file"]').nth(0).set_input_files(str(concepts))
            pg.locator('input[type="file"]').nth(1).set_input_files(str(examples))
            wait_idle(pg)
            field(pg, "Name (2–40").fill(
                SMALL["name"])
            pg.get_by_role("button", name="Save the domain").click()
            pg.get_by_text("Saved:").wait_for(timeout=60_000)
            full_shot(pg, out / "small-domains-saved.png")
            pg.goto(f"{base}/packets")
            wait_idle(pg)
            pg.get_by_role("tab", name="Build a packet").click()
            pg.locator('[data-testid="stSelectbox"]').first.click()
            pg.keyboard.type(SMALL["name"])
            pg.keyboard.press("Enter")
            wait_idle(pg)
            pg.get_by_role("tab", name="Build a packet").click()
            pg.get_by_role("button", name="Build packet").click()
            pg.get_by_text(f"Built the {SMALL['name']} packet").wait_for(timeout=900_000)
            full_shot(pg, out / "small-packets-built.png")
            approve_on_review(pg, base, "small domain: checked concepts and provenance",
                              packet=SMALL["name"])
            from m2kt.domains.custom import custom_task, split_jsonl

            os.environ["M2KT_HOME"] = str(home)
            task = custom_task(SMALL["name"])
            pool, test = files / "texts.jsonl", files / "test.jsonl"
            pool.write_bytes(split_jsonl(task, "transfer_pool"))
            test.write_bytes(split_jsonl(task, "test"))
            pg.goto(f"{base}/ingest")
            wait_idle(pg)
            pg.locator('input[type="file"]').nth(0).set_input_files(str(pool))
            pg.locator('input[type="file"]').nth(1).set_input_files(str(test))
            wait_idle(pg)
            pg.get_by_role("button", name="Start ingestion").click()
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                body = pg.inner_text("body")
                if "stopped before training" in body or "Student written to" in body:
                    break
                time.sleep(1.0)
            body = pg.inner_text("body")
            summary["small_domain"] = ("stopped before training" if "stopped before training"
                                       in body else "ingested")
            full_shot(pg, out / "small-ingest-result.png")
            print(f"small domain: {summary['small_domain']}", flush=True)
            summary["pages"] += shoot(pg, base, out, "small")
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        tmp.cleanup()
    (out / "screens.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
