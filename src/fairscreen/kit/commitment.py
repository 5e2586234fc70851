"""Commitments: how the ledger vouches for a database record without holding it.

A commitment is ``SHA-256(salt || canonical_json(fields))`` with a fresh 16-byte salt kept in the
record's own row. The ledger entry holds only the commitment; anyone with the row can open it,
nobody with only the ledger can guess what it hides (the salt defeats dictionary attacks on
small fields such as a light), and deleting the row (with its salt) leaves the ledger intact.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from fairscreen.kit.canonical import canonical_json

SALT_BYTES = 16


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "b64:" + base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("commitments take aware datetimes only")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def commit(salt: bytes, fields: Mapping[str, Any]) -> str:
    """The hex commitment to ``fields`` under ``salt``."""
    return hashlib.sha256(salt + canonical_json(_jsonable(fields))).hexdigest()
