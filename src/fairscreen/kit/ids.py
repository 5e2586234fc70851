"""Identifiers for database rows.

Rows are created in batches before they reach the database, so their keys are made here rather
than by the database. The key is a 128-bit value, time-ordered (48 bits of milliseconds, then 80
random bits) so that B-tree inserts stay near the right edge, written as 32 hex digits.
"""

from __future__ import annotations

import os
import time

# What ``new_id`` makes, as a JSON Schema pattern for the API's description.
ID_PATTERN = r"^[0-9a-f]{32}$"


def new_id() -> str:
    """A fresh, time-ordered, 32-hex-digit row key."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"
