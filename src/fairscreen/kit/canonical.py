"""Canonical JSON: one byte string per value, so hashes and signatures are reproducible.

Keys are sorted, there is no insignificant white space and text is UTF-8, escaped only where
JSON requires it: the RFC 8785 (JCS) shape for the values we allow, which are objects with string
keys, arrays, strings, integers, booleans and null. Floats are not allowed: nothing that is
hashed or signed has a float field (the ledger entry and every committed table are checked by
``tests/kit/test_canonical.py``), so no two implementations can disagree on how to print one.
Checking every value at run time cost a third of a screening's CPU time, so the check is the
types' and the tests' job; ``assert_canonical`` is the strict walk, for tests and tools.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS


def canonical_json(value: Any) -> bytes:
    """The canonical encoding of ``value`` (dicts with str keys, lists, str, int, bool, None)."""
    return orjson.dumps(value, option=_OPTIONS)


def assert_canonical(value: Any) -> None:
    """Raise ``TypeError`` if ``value`` holds anything canonical JSON does not allow."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        raise TypeError("canonical JSON refuses floats; use integers or strings")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("canonical JSON keys must be strings")
            assert_canonical(item)
        return
    if isinstance(value, list | tuple):
        for item in value:
            assert_canonical(item)
        return
    raise TypeError(f"not canonical JSON: {type(value).__name__}")
