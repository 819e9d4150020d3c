"""Real browser: the Home page and the Models page with both default models loaded."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, wait_idle

pytestmark = pytest.mark.browser


def _no_exception(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.get_by_text("Page not found").count() == 0
    assert not pg.dialogs


def test_home_page(page, server) -> None:
    page.goto(f"{server}/")
    wait_idle(page)
    page.get_by_text("Models on this machine").wait_for()
    table = page.locator('[data-testid="stTable"]').first  # a table that wraps, read in full
    table.wait_for()
    assert "minilm-l6" in table.inner_text()
    page.get_by_role("link", name="Models — load a teacher and a student").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    _no_exception(page)


def test_models_page_loads_both_and_encodes(page, server) -> None:
    page.goto(f"{server}/models")
    wait_idle(page)
    page.get_by_role("button", name="Load models").click()
    page.get_by_text("Architecture").wait_for(timeout=120_000)
    wait_idle(page)
    page.get_by_role("button", name="Encode").click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "models.png"), full_page=True)
    _no_exception(page)
    body = page.inner_text("body")
    assert "8 × 384" in body
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_models_page_bad_path_shows_message(page, server) -> None:
    page.goto(f"{server}/models")
    wait_idle(page)
    page.get_by_text("Local directory", exact=True).first.click()
    wait_idle(page)
    page.get_by_placeholder("/path/to/model (config.json + *.safetensors)").first.fill(
        "/no/such/dir")
    page.keyboard.press("Tab")
    wait_idle(page)
    page.get_by_role("button", name="Load models").click()
    page.get_by_text("ModelPathError").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "models-error.png"), full_page=True)
    _no_exception(page)
