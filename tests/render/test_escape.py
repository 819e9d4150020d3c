"""Untrusted text made inert for HTML and for Markdown renderers."""

from __future__ import annotations

import re

import markdown_it

from m2kt.render.escape import inert, md_inert, visible

HOSTILE = ("**bold** _it_ [link](javascript:alert(1)) <img src=x onerror=alert(2)> # head\n"
           "`code` :red[colour] :material/home: $x$ =HYPERLINK(\"http://e\") \u202e")


def test_md_inert_renders_as_the_literal_visible_text() -> None:
    html = markdown_it.MarkdownIt("commonmark").render(md_inert(HOSTILE))
    # one paragraph, no element other than <p>, and the text reads as written
    assert re.findall(r"<(\w+)", html) == ["p"]
    text = re.sub(r"<[^>]+>", "", html).strip()
    import html as h

    assert h.unescape(text) == visible(HOSTILE)


def test_md_inert_leaves_plain_words_alone_and_cuts_long_text() -> None:
    assert md_inert("plain words 42") == "plain words 42"
    assert len(md_inert("x" * 500, 50)) == 50


def test_inert_escapes_html() -> None:
    assert "<" not in inert("<b>x</b>") and "&lt;b&gt;" in inert("<b>x</b>")
