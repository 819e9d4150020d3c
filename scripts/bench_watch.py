"""Does watching a job slow it down? The guided demo's own wall time, watched vs unwatched.

    python scripts/bench_watch.py [--task supersense] [--runs 2] [--json FILE]

Starts the workbench on a free loopback port (the workspace is ``M2KT_HOME``), drives Debian's
headless chromium with playwright, and runs the guided demo on the Home page:

- *watched*: the page stays on Home and polls the job until the result card appears;
- *unwatched*: right after the start the browser moves to the Audit Log page (same session),
  waits there until the demo's student report appears in the workspace, then returns to Home.

Both times are the demo's own wall time, as printed on its card (``run_demo`` measures it), so
when the page is looked at does not change the figure. A warm-up run comes first (caches,
teacher heads; from an empty ``M2KT_HOME`` it is the cold demo, watched, and the JSON says
``cold_start: true``), then the runs alternate watched / unwatched. Prints one JSON object: every
run's seconds, the medians and ``ratio = watched / unwatched`` (the target is ≤ 1.2).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the browser tier's chromium flags and helpers, one copy (tests/browser/conftest.py)
from tests.browser.conftest import CHROME_ARGS as ARGS  # noqa: E402
from tests.browser.conftest import CHROMIUM, open_demo, wait_idle  # noqa: E402
from tests.browser.conftest import _free_port as free_port  # noqa: E402


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                      timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the workbench did not start within 90 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def card_seconds(pg, timeout_ms: int) -> float:
    """Wait for the demo card on Home and read the demo's wall time from its caption."""
    pg.get_by_text("retention of the teacher").wait_for(timeout=timeout_ms)
    m = re.search(r"; (\d+(?:\.\d+)?) s\. Figures are read", pg.inner_text("body"))
    if not m:
        raise SystemExit("the demo card shows no time")
    return float(m.group(1))


def newest_report(students: Path) -> float:
    reports = list(students.glob("*/ingestion_report.json"))
    return max((p.stat().st_mtime for p in reports), default=0.0)


def run_once(pg, base: str, task: str, watched: bool, students: Path) -> float:
    open_demo(pg, base, task)
    before = newest_report(students)
    pg.get_by_role("button", name="Run the guided demo").click()
    if not watched:
        pg.wait_for_timeout(1000)
        pg.locator('[data-testid="stSidebarNav"] a[href$="audit"]').click()
        wait_idle(pg)
        deadline = time.monotonic() + 1800
        while newest_report(students) <= before and time.monotonic() < deadline:
            time.sleep(1.0)
        time.sleep(3.0)  # the gates after the report
        pg.locator('[data-testid="stSidebarNav"] a').first.click()
        wait_idle(pg)
    return card_seconds(pg, 1_800_000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="supersense",
                    help="demo task (default supersense, the Home page's default)")
    ap.add_argument("--runs", type=int, default=2, help="watched/unwatched pairs (default 2)")
    ap.add_argument("--json", default=None, help="also write the result to this file")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from m2kt.config import workspace

    ws = workspace()
    # an empty workspace makes the warm-up run the cold figure (WordNet, models, encodings)
    empty = not any(ws.root.rglob("*.safetensors"))
    students = ws.students
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, list[float]] = {"warmup": [], "watched": [], "unwatched": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            pg = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
            out["warmup"].append(run_once(pg, base, a.task, True, students))
            for _ in range(a.runs):
                for watched in (True, False):
                    s = run_once(pg, base, a.task, watched, students)
                    out["watched" if watched else "unwatched"].append(s)
                    print(f"  · {'watched' if watched else 'unwatched'}: {s:.0f} s",
                          file=sys.stderr, flush=True)
            # a finished demo left open on Home must not keep polling: the server's CPU
            # seconds over 20 s with the card on screen (the issue: one core kept busy)
            t0 = cpu_seconds(server.pid)
            pg.wait_for_timeout(20_000)
            out["idle_cpu_s_per_20s_with_card_open"] = [round(cpu_seconds(server.pid) - t0, 2)]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    w, u = statistics.median(out["watched"]), statistics.median(out["unwatched"])
    result = {"task": a.task, "seconds": out, "watched_median": w, "unwatched_median": u,
              "ratio": round(w / u, 3) if u else None,
              "cold_start": empty,  # true: "warmup" is the demo from an empty workspace
              "meta": {"command": "python scripts/bench_watch.py " + " ".join(sys.argv[1:]),
                       "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                     time.gmtime())}}
    print(json.dumps(result))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
