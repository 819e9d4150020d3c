"""The Domains page in a real browser (issue 17): every bad file shows the same message the CLI
prints, per row, and saves nothing; a domain uploaded on the page is built into a packet,
approved and ingested with an uploaded student corpus — no terminal involved."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, approve_on_review, choose, field, wait_idle
from tests.domains.test_domains_cli import BAD, GOOD_CONCEPTS, _good_examples
from tests.ingest.test_student_side import TOPICS, _small_domain

pytestmark = pytest.mark.browser


def _stored() -> list[str]:
    d = Path(os.environ["M2KT_HOME"]) / "domains"
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() else []


def _upload(page, server: str, concepts: Path, examples: Path) -> None:
    page.goto(f"{server}/domains")
    wait_idle(page)
    files = page.locator('input[type="file"]')
    files.nth(0).set_input_files(str(concepts))
    wait_idle(page)
    files.nth(1).set_input_files(str(examples))
    wait_idle(page)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("case, concepts, examples, expect", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_shows_its_reason_and_saves_nothing(page, server, tmp_path: Path, case: str,
                                                         concepts, examples,
                                                         expect: str) -> None:
    before = _stored()
    c, e = tmp_path / "c.csv", tmp_path / "e.jsonl"
    c.write_bytes(concepts.encode() if isinstance(concepts, str) else concepts)
    e.write_bytes(examples.encode() if isinstance(examples, str) else examples)
    _upload(page, server, c, e)
    # the CLI's message for this input ("FILE line N: reason", or a whole-file problem),
    # shown as plain text on the page
    page.wait_for_function("t => document.body.innerText.replace(/\\s+/g, ' ').includes(t)",
                           arg=expect, timeout=90_000)
    save = page.get_by_role("button", name="Save the domain")
    assert save.count() == 0 or save.is_disabled()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert _stored() == before


def test_markup_labels_are_inert_and_stored_as_written(page, server, tmp_path: Path) -> None:
    c, e = tmp_path / "c.csv", tmp_path / "e.jsonl"
    up = '<img src=x onerror=alert(1)> **Up** =HYPERLINK("http://e")'
    c.write_text('id,label\nup,"<img src=x onerror=alert(1)> **Up** =HYPERLINK(""http://e"")"\n'
                 "down,[Down](javascript:alert(2))\n")
    e.write_text(_good_examples())
    _upload(page, server, c, e)
    field(page, "Name (2–40").fill("markup")
    page.get_by_role("button", name="Save the domain").click()
    page.get_by_text("Saved: 2 concepts").wait_for(timeout=60_000)
    # the preview is a data grid (cells are plain text); nothing the labels carry took effect
    assert page.locator("img[src=x]").count() == 0 and not page.dialogs  # type: ignore
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.locator("strong").filter(has_text="Up").count() == 0
    from m2kt.domains.registry import get_task

    assert [x.label for x in get_task("markup").concepts] == [up, "[Down](javascript:alert(2))"]


def test_a_taken_or_built_in_name_is_refused_on_the_page(page, server, tmp_path: Path) -> None:
    c, e = tmp_path / "c.csv", tmp_path / "e.jsonl"
    c.write_text(GOOD_CONCEPTS)
    e.write_text(_good_examples())
    for name, expect in (("supersense", "'supersense' is a built-in task"),
                         ("updown", "Saved: 2 concepts"),
                         ("updown", "a domain named 'updown' exists already")):
        _upload(page, server, c, e)
        before = _stored()
        field(page, "Name (2–40").fill(name)
        page.get_by_role("button", name="Save the domain").click()
        wait_idle(page)
        assert expect in page.inner_text("body")
        assert _stored() == (sorted({*before, name}) if expect.startswith("Saved") else before)


def test_an_oversized_file_is_refused_by_the_uploader(page, server, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_bytes(b'{"text": "x", "concept": "up"}\n' * (33 * 2**20 // 31 + 1))
    before = _stored()
    page.goto(f"{server}/domains")
    wait_idle(page)
    page.locator('input[type="file"]').nth(1).set_input_files(str(big))
    page.get_by_text("32.0MB or smaller").first.wait_for(timeout=60_000)
    assert _stored() == before


def test_upload_build_approve_ingest_through_the_browser(page, server, tmp_path: Path) -> None:
    con, ex = _small_domain(tmp_path)
    _upload(page, server, con, ex)
    field(page, "Name (2–40").fill("webtopics")
    page.get_by_role("button", name="Save the domain").click()
    page.get_by_text("Saved: 3 concepts").wait_for(timeout=60_000)
    assert "webtopics" in _stored()
    # the student side's files, as the Domains page offers them for download
    from m2kt.domains.custom import custom_task, split_jsonl

    task = custom_task("webtopics")
    pool, test = tmp_path / "pool.jsonl", tmp_path / "test.jsonl"
    pool.write_bytes(split_jsonl(task, "transfer_pool"))
    test.write_bytes(split_jsonl(task, "test"))

    page.goto(f"{server}/packets")
    wait_idle(page)
    page.get_by_role("tab", name="Build a packet").click()
    wait_idle(page)
    choose(page, "webtopics")
    field(page, "Anchors").fill("16")
    page.get_by_role("button", name="Build packet").click()
    page.get_by_text("Download the packet").wait_for(timeout=600_000)

    approve_on_review(page, server, "my own domain, checked", packet="webtopics")

    page.goto(f"{server}/ingest")
    wait_idle(page)
    choose(page, "webtopics")
    # without the student's own texts: one message, before any job starts
    page.get_by_role("button", name="Start ingestion").click()
    page.wait_for_function("t => document.body.innerText.replace(/\\s+/g, ' ').includes(t)",
                           arg="give the student's own unlabelled texts (ingest --inputs FILE, "
                               "or the upload on Align & Ingest", timeout=60_000)
    assert "Job: ingest" not in page.inner_text("body")
    files = page.locator('input[type="file"]')
    files.nth(0).set_input_files(str(pool))
    files.nth(1).set_input_files(str(test))
    wait_idle(page)
    page.get_by_role("button", name="Start ingestion").click()
    page.get_by_text("Student written to").wait_for(timeout=600_000)
    page.wait_for_timeout(1500)
    body = " ".join(page.inner_text("body").split())
    page.screenshot(path=str(ARTIFACTS / "domains-ingested.png"), full_page=True)
    # what the page says equals the engine's own report of that student
    out = Path(body.split("Student written to ")[1].split(" in ")[0])
    report = json.loads((out / "ingestion_report.json").read_text())
    assert f"Held-out accuracy {report['accuracy']:.3f} on eval" in body
    assert f"student's start {report['student_before']:.3f}" in body
    assert report["task"] == "webtopics" and report["eval_split"] == "eval"
    meta = json.loads((out / "m2kt_student.json").read_text())
    assert sorted(meta["concepts"]) == sorted(TOPICS)
