"""AppTest: every page renders without an exception; errors show as one readable box."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.tables import literal
from tests.conftest import WALL_LIMIT_S

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
TIMEOUT = WALL_LIMIT_S


def _app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def test_home_renders_model_status() -> None:
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "M2KT Workbench"
    df = literal(at.table[0].value)  # a table that wraps; names are its index
    assert {"minilm-l6", "minilm-l3"} <= set(df.index)


def test_models_page_loads_defaults_and_encodes() -> None:
    at = _app()
    at.switch_page("views/models.py").run()
    assert not at.exception
    at.button[0].click().run()  # Load models
    assert not at.exception and not at.error
    facts = at.dataframe[0].value
    assert list(facts.columns) == ["teacher", "student"]
    assert facts.loc["layers", "teacher"] == "6" and facts.loc["layers", "student"] == "3"
    assert facts.loc["hidden size", "student"] == "384"
    encode_btn = [b for b in at.button if b.label == "Encode"][0]
    encode_btn.click().run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["8 × 384", "8 × 384"]


@pytest.mark.parametrize(
    ("kind", "value", "error_class"),
    [("local", "/no/such/model/dir", "ModelPathError"),
     ("local", "/tmp", "NotAModelError"),
     ("hub", "someorg/not-cached", "OfflineModelError")],
)
def test_models_page_bad_input_shows_error(kind: str, value: str, error_class: str) -> None:
    at = _app()
    at.switch_page("views/models.py").run()
    at.radio(key="teacher_kind").set_value(kind).run()
    at.text_input(key=f"teacher_{kind}").input(value).run()
    at.button[0].click().run()
    assert not at.exception
    assert any(e.value.startswith(error_class) for e in at.error), [e.value for e in at.error]
