"""Real browser, end to end: the guided demo on the default models from a fresh workspace, the
manual path (upload → approve → ingest), and a screenshot of every page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, approve_on_review, open_demo, wait_idle

pytestmark = pytest.mark.browser


def _clean(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.get_by_text("Page not found").count() == 0
    assert not pg.dialogs


def test_guided_demo_from_a_fresh_workspace(page, server) -> None:
    # the symbolic task keeps the tier fast; the language default (supersense on MiniLM-L6 →
    # L3) runs the same code path, timed by scripts/bench_watch.py
    open_demo(page, server, "multistep")
    page.screenshot(path=str(ARTIFACTS / "home-select.png"))
    page.get_by_role("button", name="Run the guided demo").click()
    page.get_by_text("retention of the teacher").wait_for(timeout=300_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "home-demo.png"), full_page=True)
    _clean(page)
    body = page.inner_text("body")
    assert "strings that crossed" in body and "Result: multistep" in body
    assert "Deploy: every gate" in body or "DO NOT DEPLOY" in body


def test_demo_result_survives_navigation(page, server) -> None:
    # the issue: a demo started just before moving to another page lost its result on Home
    import time

    from m2kt.config import workspace

    students = workspace().students  # the server shares the test session's workspace
    before = set(students.glob("*/ingestion_report.json"))
    open_demo(page, server, "multistep")
    page.get_by_role("button", name="Run the guided demo").click()
    page.wait_for_timeout(1000)
    page.locator('[data-testid="stSidebarNav"] a[href$="audit"]').click()
    wait_idle(page)
    deadline = time.monotonic() + 600
    while set(students.glob("*/ingestion_report.json")) <= before:
        assert time.monotonic() < deadline, "the demo wrote no student while on Audit Log"
        time.sleep(1.0)
    page.locator('[data-testid="stSidebarNav"] a').first.click()  # back to Home
    page.get_by_text("retention of the teacher").wait_for(timeout=120_000)
    _clean(page)
    assert "Result: multistep" in page.inner_text("body")


@pytest.fixture(scope="module")
def packet_file(tmp_path_factory) -> Path:
    from m2kt.bench.m2kt_run import bench_key
    from m2kt.concepts.teacher import load_teacher
    from m2kt.config import workspace
    from m2kt.domains.registry import get_task
    from m2kt.packet.build import build_packet
    from m2kt.packet.trust import next_sequence
    from m2kt.store.db import open_db

    task = get_task("multistep")
    key = bench_key("workbench")  # the server shares this workspace: the key is trusted
    conn = open_db(workspace())
    try:
        seq = next_sequence(conn, key.keyid) + 50  # clear of the demo's sequence numbers
    finally:
        conn.close()
    out = tmp_path_factory.mktemp("manual") / "multistep.m2kt"
    build_packet(task, key, out, seq, teacher=load_teacher(task), anchors=32)
    return out


def test_manual_upload_approve_ingest(page, server, packet_file) -> None:
    page.goto(f"{server}/packets")
    wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(str(packet_file))
    page.get_by_text("Verifies:").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "packets.png"), full_page=True)
    _clean(page)
    approve_on_review(page, server, "checked provenance, graph and traces")
    _clean(page)
    page.goto(f"{server}/ingest")
    wait_idle(page)
    page.get_by_role("button", name="Start ingestion").click()
    page.get_by_text("Student written to").wait_for(timeout=600_000)
    page.wait_for_timeout(1500)
    body = page.inner_text("body")  # the pipeline's stages, in order, with their figures
    tail = body[body.index("The stages of"):]
    at = [tail.find(s) for s in ("encode", "map-anchors", "cal-training", "gates", "evaluation")]
    assert -1 not in at and at == sorted(at) and "unlabelled inputs" in tail
    page.screenshot(path=str(ARTIFACTS / "ingest.png"), full_page=True)
    _clean(page)


@pytest.mark.parametrize("name,marker", [
    ("manifolds", "Concept Manifolds"), ("graph", "Abstraction Graph"),
    ("traces", "Reasoning Traces"), ("verification", "Verification & Safety"),
    ("experiments", "Experiments"), ("audit", "Audit Log"), ("models", "Models"),
    ("domains", "Domains")])
def test_every_page_renders(page, server, name, marker) -> None:
    page.goto(f"{server}/{name}")
    wait_idle(page)
    page.get_by_role("heading", name=marker).first.wait_for(timeout=120_000)
    wait_idle(page)
    if name in ("manifolds", "experiments", "traces"):
        # a figure, or (an empty workspace) the page's explanation of what to do first
        page.locator('.js-plotly-plot, [data-testid="stAlert"]').first.wait_for(
            timeout=120_000)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    _clean(page)
