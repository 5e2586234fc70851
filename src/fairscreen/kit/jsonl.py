"""Reading JSON Lines input (a register, a monitor's feed): one reader for every such format, so
every one skips blank lines and names a line that is not JSON the same way."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from fairscreen.kit.errors import InputError


def json_lines(lines: Iterable[bytes | str], where: str) -> Iterator[tuple[str, Any]]:
    """Each non-blank line's JSON value with where it is (``where:line``); a line that is not
    JSON is an ``InputError`` naming it."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        here = f"{where}:{number}"
        try:
            yield here, orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise InputError(here, f"not JSON: {error}") from None
