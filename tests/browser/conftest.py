"""Browser tier: a real Streamlit server and Debian's headless chromium driven by playwright.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``); playwright's own browser download is
never used.  Screenshots go to ``test-artifacts/screens/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Start the workbench on a free loopback port; yield its base URL; stop it by PID."""
    yield from served(dict(os.environ), "streamlit.log")


def served(env: dict[str, str], log_name: str) -> Iterator[str]:
    """Run the workbench with ``env`` (its ``M2KT_HOME`` is its workspace) on a free port
    until the generator is closed; yields the base URL."""
    port = _free_port()
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / log_name, "w")  # noqa: SIM115 — closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit server did not become healthy within 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium (the browser tier needs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1400, "height": 2000})
    pg = ctx.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def wait_idle(pg, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )


def field(pg, label: str):
    """The text or number input whose label starts with ``label`` — not the help button beside
    it, whose accessible name is "Help for <label>"."""
    return pg.locator(f'input[aria-label^="{label}"], textarea[aria-label^="{label}"]')


def choose(pg, text: str, nth: int = 0) -> None:
    """Pick the option matching ``text`` in the page's ``nth`` select box (typed, then Enter)."""
    pg.locator('[data-testid="stSelectbox"]').nth(nth).click()
    pg.keyboard.type(text)
    pg.keyboard.press("Enter")
    wait_idle(pg)


def open_demo(pg, base: str, task: str) -> None:
    """Open Home at ``base`` and choose ``task`` in the guided demo's task box (not started)."""
    pg.goto(f"{base}/")
    wait_idle(pg)
    choose(pg, task)


def approve_on_review(pg, base: str, reason: str, packet: str | None = None) -> None:
    """On Review & Approve: pick the queued packet matching ``packet`` (default: the first
    shown), wait for its reading, and approve it as alice with ``reason``."""
    pg.goto(f"{base}/review")
    wait_idle(pg)
    if packet:
        choose(pg, packet)
    pg.get_by_text("Verifies:").first.wait_for(timeout=60_000)
    field(pg, "Reviewer").fill("alice")
    field(pg, "Reason").fill(reason)
    pg.get_by_role("button", name="Approve").click()
    pg.get_by_text("approved by alice").first.wait_for(timeout=60_000)  # message and table


def watch_progress(pg, done: str, timeout_s: float, where: dict | None = None) -> float:
    """Wait until the text ``done`` shows on page ``pg``; returns the longest time the page's
    progress text (the message, not its always-moving elapsed clock) stood still meanwhile.
    ``where``, when given, receives the text that stood still longest (``"text"``; None: no
    progress bar yet) and the seconds since the start at which that wait began (``"at"``)."""
    last, since, longest = None, time.monotonic(), 0.0
    t0 = since
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pg.get_by_text(done).count():
            return longest
        bar = pg.locator('[data-testid="stProgress"]')
        text = bar.first.inner_text().split(" · ")[0] if bar.count() else None
        if text != last:
            last, since = text, time.monotonic()
        if time.monotonic() - since > longest:
            longest = time.monotonic() - since
            if where is not None:
                where.update(text=last, at=round(since - t0, 1))
        pg.wait_for_timeout(250)
    raise AssertionError(f"{done!r} did not show within {timeout_s:.0f} s")
