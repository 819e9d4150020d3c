"""The Review page requires a signed-in reviewer once reviewer accounts exist."""

from __future__ import annotations

from tests.conftest import ROOT, WALL_LIMIT_S
from tests.store.test_reviewers import signed_packet  # noqa: F401 — fixture


def test_review_page_requires_sign_in_when_accounts_exist(signed_packet, monkeypatch) -> None:  # noqa: F811
    from streamlit.testing.v1 import AppTest

    from m2kt.store.queue import save_packet_bytes

    home, pkt = signed_packet
    monkeypatch.setenv("M2KT_HOME", home["M2KT_HOME"])
    save_packet_bytes(pkt.read_bytes())
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"),
                           default_timeout=WALL_LIMIT_S)
    at.switch_page("views/review.py").run()
    assert not at.exception
    assert [b for b in at.button if b.label == "Approve"][0].disabled
    assert [b for b in at.button if b.label == "Reject"][0].disabled
    at.text_input[0].input("alice")
    at.text_input[1].input("wrong password")
    [b for b in at.button if b.label == "Sign in"][0].click().run()
    assert any("wrong password" in e.value for e in at.error)
    at.text_input[1].input("s3cret-passw0rd")
    [b for b in at.button if b.label == "Sign in"][0].click().run()
    assert not at.exception
    assert any("Signed in as alice" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "Reject"][0].disabled
