"""What a reader sees in a static table: ``inert_table`` escapes every header, index label and
text cell for Markdown (st.table renders them as Markdown); this undoes the escapes."""

from __future__ import annotations

import re

import pandas as pd

_ESC = re.compile(r"\\([!-/:-@\[-`{-~])")


def _plain(v):
    return _ESC.sub(r"\1", v) if isinstance(v, str) else v


def literal(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as shown: its Markdown escapes removed from headers, index and cells."""
    out = df.map(_plain)
    out.columns = [_plain(c) for c in out.columns]
    out.index = out.index.map(_plain)
    return out
