"""Real browser: the packet pages, screenshots of each, and a hostile packet whose labels,
descriptions, traces and provenance carry script/HTML/Markdown payloads — uploaded, opened on
the Packets page and reviewed on Review & Approve: no dialog fires, no injected element
appears, and Approve stays disabled (the packet's key is not trusted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, field, wait_idle
from tests.fixtures.packets import make_packet

pytestmark = pytest.mark.browser

PAYLOADS = [
    '<img src=x id="xss-img" onerror="window.__xss=1;alert(1)">',
    "<script>window.__xss=2;alert(2)</script>",
    '<b id="xss-b">bold</b> **md-bold** [click](javascript:alert(3))',
    '"><svg id="xss-svg" onload=alert(4)>',
]


def _hostile(p) -> None:
    for i, c in enumerate(p.manifest["concepts"]):
        c["label"] = PAYLOADS[i % len(PAYLOADS)][:60]
        c["description"] = PAYLOADS[(i + 1) % len(PAYLOADS)]
    p.manifest["provenance"]["creator"] = PAYLOADS[0]
    p.manifest["provenance"]["teacher"]["name"] = PAYLOADS[2][:60]
    p.manifest["provenance"]["recipe"]["membership"] = PAYLOADS[1]
    p.traces["traces"][0]["query"] = PAYLOADS[3]
    p.graph["method"] = PAYLOADS[1]


def _inert(pg) -> None:
    assert not pg.dialogs, pg.dialogs
    assert pg.evaluate("() => window.__xss === undefined")
    for sel in ("#xss-img", "#xss-b", "#xss-svg", "img[src='x']", 'a[href^="javascript"]'):
        assert pg.locator(sel).count() == 0, sel
    # no Markdown forms from packet text either (st.table renders its cells as Markdown)
    assert pg.locator("strong", has_text="md-bold").count() == 0
    assert pg.locator('[data-testid="stException"]').count() == 0


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xss") / "hostile.m2kt"
    path.write_bytes(make_packet(_hostile))
    return path


@pytest.fixture(scope="module")
def trusted_hostile_file(tmp_path_factory) -> Path:
    """The same payloads, signed by the workspace's own (trusted) workbench key: the packet
    verifies, so it reaches every page that shows packet text."""
    from m2kt.bench.m2kt_run import bench_key

    path = tmp_path_factory.mktemp("xss2") / "hostile-trusted.m2kt"
    path.write_bytes(make_packet(_hostile, key=bench_key("workbench"), sequence=900))
    return path


def test_verified_hostile_packet_is_inert_on_every_page(page, server,
                                                        trusted_hostile_file) -> None:
    page.goto(f"{server}/packets")
    wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(str(trusted_hostile_file))
    page.get_by_text("Verifies:").first.wait_for(timeout=60_000)
    wait_idle(page)
    _inert(page)
    page.goto(f"{server}/review")
    wait_idle(page)
    page.get_by_text("Verifies:").first.wait_for(timeout=60_000)
    field(page, "Reviewer").fill(PAYLOADS[0][:100])
    field(page, "Reason").fill(PAYLOADS[1] + PAYLOADS[2])
    page.get_by_role("button", name="Reject").click()
    page.get_by_text("rejected by").first.wait_for(timeout=60_000)  # the page may show it twice
    _inert(page)
    for name in ("graph", "traces", "audit", "verification", "ingest"):
        page.goto(f"{server}/{name}")
        wait_idle(page)
        page.wait_for_timeout(2500)
        page.screenshot(path=str(ARTIFACTS / f"hostile-{name}.png"), full_page=True)
        _inert(page)


def test_hostile_packet_is_inert_on_packets_and_review(page, server, hostile_file) -> None:
    page.goto(f"{server}/packets")
    wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(str(hostile_file))
    page.get_by_text("Does not verify").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "packets-hostile.png"), full_page=True)
    _inert(page)
    assert "TrustError" in page.inner_text("body")
    page.goto(f"{server}/review")
    wait_idle(page)
    page.get_by_text("Packet to review").wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
    _inert(page)
    assert page.get_by_role("button", name="Approve").is_disabled()


def test_audit_and_experiments_pages(page, server) -> None:
    for name, marker in (("audit", "Audit Log"), ("experiments", "Experiments")):
        page.goto(f"{server}/{name}")
        wait_idle(page)
        page.get_by_role("heading", name=marker).first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        _inert(page)


def test_an_atlas_with_hostile_texts_is_shown_inert_in_the_atlases_tab(page, server) -> None:
    """A signed, trusted atlas whose teacher name and strings carry script/HTML/Markdown: the
    Atlases tab lists it with its size and what it carries, and nothing in it is interpreted."""
    import numpy as np

    from m2kt.atlas.artefact import pack_atlas
    from m2kt.bench.m2kt_run import bench_key
    from m2kt.config import workspace
    from m2kt.packet.writer import write_atomic

    teacher = {"name": PAYLOADS[2][:60], "weights_sha256": "ab" * 32, "hidden_size": 8,
               "layer": -1, "pooling": "mean"}
    data = pack_atlas(teacher, [p[:60] for p in PAYLOADS] + ["plain"],
                      np.zeros((len(PAYLOADS) + 1, 8), np.float32), bench_key("workbench"))
    write_atomic(workspace().root / "atlases" / "hostile.m2kt-atlas", data)
    page.goto(f"{server}/packets")
    wait_idle(page)
    page.get_by_role("tab", name="Atlases").click()
    wait_idle(page)
    page.get_by_text("5 strings × 8 dimensions").wait_for(timeout=60_000)
    assert page.get_by_text("once per teacher").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "packets-atlases-hostile.png"), full_page=True)
    _inert(page)
