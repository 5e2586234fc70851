"""Commitments: how the ledger vouches for a database record without holding it.

A commitment is ``SHA-256(salt || canonical_json(fields))`` with a fresh 16-byte salt kept in the
record's own row. The ledger entry holds only the commitment; anyone with the row can open it,
nobody with only the ledger can guess what it hides (the salt defeats dictionary attacks on
small fields such as a light), and deleting the row (with its salt) leaves the ledger intact.

In the committed fields, bytes are written ``"b64:<base64>"``, datetimes in UTC ISO 8601 (the
database gives them back in UTC, whatever zone they were written in) and dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson

SALT_BYTES = 16
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


_TIMES: dict[datetime, str] = {}
"""Aware datetimes already written: the rows of a batch of screenings share a handful of
times, and equal aware datetimes are the same instant, so they are written the same."""
_TIMES_MAX = 4096


def _utc_iso(value: datetime) -> str:
    text = _TIMES.get(value)
    if text is None:
        if value.tzinfo is None:
            raise TypeError("commitments take aware datetimes only")
        text = value.astimezone(UTC).isoformat()
        if len(_TIMES) >= _TIMES_MAX:
            _TIMES.clear()
        _TIMES[value] = text
    return text


def _default(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return "b64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime):
        return _utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot commit to a {type(value).__name__}")


def commitment_bytes(fields: Mapping[str, Any]) -> bytes:
    """The canonical bytes a commitment hashes (after the salt)."""
    return orjson.dumps(dict(fields), option=_OPTIONS, default=_default)


def commit(salt: bytes, fields: Mapping[str, Any]) -> str:
    """The hex commitment to ``fields`` under ``salt``."""
    return hashlib.sha256(salt + commitment_bytes(fields)).hexdigest()
