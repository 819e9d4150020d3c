"""The one escaping function every untrusted string passes through before a rendering sink.

Untrusted strings (packet labels, traces, provenance, user-typed words, model names) may reach
plotly figures (which interpret a subset of HTML), pyvis HTML and tables.  ``inert`` makes them
plain text: control, bidi-override and zero-width characters are replaced by visible escapes,
the string is length-capped, and HTML metacharacters are entity-escaped.
"""

from __future__ import annotations

import html
import re
import unicodedata

MAX_LEN = 200
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def visible(text: object, max_len: int = MAX_LEN) -> str:
    """``text`` as a single visible line: invisible/control/bidi characters become ``\\u....``
    escapes and the result is cut to ``max_len`` characters (with an ellipsis)."""
    s = str(text)
    out = []
    for ch in s:
        if ch == " " or unicodedata.category(ch) not in _INVISIBLE:
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}")
    res = "".join(out)
    return res if len(res) <= max_len else res[: max_len - 1] + "…"


def inert(text: object, max_len: int = MAX_LEN) -> str:
    """``visible(text)`` with HTML metacharacters escaped: safe in any HTML or plotly label."""
    return html.escape(visible(text, max_len), quote=True)


_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def md_inert(text: object, max_len: int = MAX_LEN) -> str:
    """``visible(text)`` with every ASCII punctuation character backslash-escaped, so that a
    Markdown renderer (``st.error``, ``st.caption`` …) shows it literally: no emphasis, link,
    heading, HTML, directive or ``:icon:`` can form from untrusted text."""
    return _MD_PUNCT.sub(r"\\\1", visible(text, max_len))
