"""Strict JSON for untrusted packet members.

Python's ``json`` accepts NaN/Infinity, duplicate keys (last wins), 10^5-digit integers and
recursion deep enough to blow the stack.  ``loads_strict`` refuses all of these with a
:class:`~m2kt.errors.SchemaError`, checking nesting depth with a linear pre-scan before parsing.
"""

from __future__ import annotations

import json
from typing import Any

from m2kt.errors import SchemaError, SemanticError
from m2kt.limits import MAX_JSON_DEPTH, MAX_JSON_INT_DIGITS


def _depth_ok(text: str, limit: int) -> bool:
    depth, in_str, esc = 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:  # a duplicate id smuggled as a duplicate key (reliability.md row 14)
            raise SemanticError(f"duplicate JSON key {k[:80]!r}")
        out[k] = v
    return out


def _const(name: str) -> Any:
    raise SchemaError(f"JSON constant {name} is not allowed (non-finite number)")


def _int(s: str) -> int:
    if len(s.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise SchemaError(f"JSON integer with {len(s)} digits exceeds {MAX_JSON_INT_DIGITS}")
    return int(s)


def _float(s: str) -> float:
    if len(s) > 64:
        raise SchemaError("JSON number literal too long")
    return float(s)


def loads_strict(data: bytes, what: str) -> Any:
    """Parse ``data`` (UTF-8 JSON) strictly; ``what`` names the member in error messages."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{what} is not valid UTF-8 (byte {exc.start})") from exc
    if not _depth_ok(text, MAX_JSON_DEPTH):
        raise SchemaError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_const,
                          parse_int=_int, parse_float=_float)
    except (SchemaError, SemanticError) as exc:
        raise type(exc)(f"{what}: {exc}") from exc
    except RecursionError as exc:
        raise SchemaError(f"{what} nests too deeply") from exc
    except ValueError as exc:
        raise SchemaError(f"{what} is not valid JSON: {exc}") from exc


def dumps_canonical(obj: Any) -> bytes:
    """Deterministic UTF-8 JSON (sorted keys, no spaces, NaN refused)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
