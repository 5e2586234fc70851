"""Canonical JSON: one byte string per value, so hashes and signatures are reproducible.

Keys are sorted, there is no insignificant white space and text is UTF-8 (the RFC 8785 shape for
the values we allow). Floats are refused: every number that is hashed or signed is an integer, so
no two implementations can disagree on how to print it.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS


def _reject(value: Any) -> Any:
    raise TypeError(f"not canonical JSON: {type(value).__name__}")


def _check(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON refuses floats; use integers or strings")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("canonical JSON keys must be strings")
            _check(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item)


def canonical_json(value: Any) -> bytes:
    """Return the canonical encoding of ``value`` (dicts, lists, str, int, bool, None)."""
    _check(value)
    return orjson.dumps(value, option=_OPTIONS, default=_reject)
