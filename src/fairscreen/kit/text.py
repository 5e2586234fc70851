"""Reading the text files a user hands us (policy packs, rule sets, receipts, world files).

They must be UTF-8; a byte-order mark at the start is accepted and dropped (editors on Windows
write one). Bytes that are not UTF-8 are an ``InputError`` naming the line and the byte, so the
user can find them, instead of a codec's message about surrogates.
"""

from __future__ import annotations

from pathlib import Path

from fairscreen.kit.errors import InputError

BOM = b"\xef\xbb\xbf"


def not_utf8(where: str, line: int, column: int, byte: int, offset: int) -> InputError:
    """The error for a byte that is not UTF-8: on ``line``, ``column`` bytes into it (from 1),
    at ``offset`` bytes into the file (from 0)."""
    return InputError(
        f"{where}: line {line}",
        f"not UTF-8: byte {column} of the line is 0x{byte:02x} (byte offset {offset} in the "
        "file); save the file as UTF-8",
    )


def _position(data: bytes, start: int) -> tuple[int, int]:
    """Line (from 1) and column (bytes, from 1) of offset ``start`` in ``data``."""
    return data.count(b"\n", 0, start) + 1, start - data.rfind(b"\n", 0, start)


def decode(data: bytes, where: str) -> str:
    """``data`` (a whole file) as text: UTF-8, a leading byte-order mark dropped."""
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        start = skip + exc.start
        line, column = _position(data, start)
        raise not_utf8(where, line, column, data[start], start) from None


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; OS errors (missing, a directory, unreadable) propagate and
    name the file."""
    return decode(path.read_bytes(), str(path))
