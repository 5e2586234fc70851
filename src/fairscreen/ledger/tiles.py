"""C2SP tlog-tiles layout: tile coordinates, URL paths, the stored tile record, entry bundles.

A tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of tree level ``8 * L``
(level 0: leaf hashes). We store each tile *with its interior*: the 8 levels ``8L .. 8L + 7`` of
the subtree under it, so that any complete node of the tree is read from one stored tile, with
no hashing. A stored tile of width ``W`` is the concatenation, level by level, of ``W >> k``
hashes at tile level ``k`` (``k = 0 .. 7``); its first ``W * 32`` bytes are exactly the C2SP
tile, so serving is slicing. Because a partial tile only ever grows by appending, the first
``w * 32`` bytes of a wider tile are the partial tile of width ``w``.

Entry bundles are the entries of one level-0 tile, each prefixed with its length as a big-endian
uint16 (C2SP tlog-tiles, "Log entries"), stored exactly as served.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from fairscreen.ledger.merkle import HASH_SIZE, NodeKey

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256
MAX_ENTRY_SIZE = 0xFFFF


class TileError(ValueError):
    """A tile path, tile record or entry bundle that is malformed."""


# -- coordinates -----------------------------------------------------------------------------


def tile_of(key: NodeKey) -> tuple[int, int, int, int]:
    """Where a complete node lives: ``(tile level, tile index, level in tile, position)``."""
    level, index = key
    tile_level, k = divmod(level, TILE_HEIGHT)
    shift = TILE_HEIGHT - k
    return tile_level, index >> shift, k, index & ((1 << shift) - 1)


def tile_width(tile_level: int, tile_index: int, tree_size: int) -> int:
    """The width of tile ``(tile_level, tile_index)`` in a tree of ``tree_size`` leaves (0: absent)."""
    hashes_at_level = tree_size >> (TILE_HEIGHT * tile_level)
    return max(0, min(TILE_WIDTH, hashes_at_level - tile_index * TILE_WIDTH))


def tile_count_levels(tree_size: int) -> int:
    """How many tile levels a tree of ``tree_size`` leaves has (0 for the empty tree)."""
    levels = 0
    while tree_size >> (TILE_HEIGHT * levels):
        levels += 1
    return levels


# -- paths -----------------------------------------------------------------------------------


def encode_index(n: int) -> str:
    """``1234067`` -> ``x001/x234/067``: 3-digit groups, all but the last prefixed with ``x``."""
    if n < 0:
        raise TileError("tile index must be non-negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def tile_path(tile_level: int, tile_index: int, width: int = TILE_WIDTH) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{tile_level}/{encode_index(tile_index)}{suffix}"


def bundle_path(bundle_index: int, width: int = TILE_WIDTH) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{encode_index(bundle_index)}{suffix}"


_INDEX_PATH = re.compile(r"^((?:x\d{3}/)*)(\d{3})(?:\.p/([1-9]\d{0,2}))?$")


def parse_index_path(path: str) -> tuple[int, int]:
    """``x001/x234/067.p/7`` -> ``(1234067, 7)``; a full tile has width 256."""
    match = _INDEX_PATH.match(path)
    if match is None:
        raise TileError(f"not a tile index path: {path!r}")
    groups = [g[1:] for g in match.group(1).split("/") if g] + [match.group(2)]
    if len(groups) > 1 and groups[0] == "000":
        raise TileError(f"tile index has a leading zero group: {path!r}")
    width = TILE_WIDTH
    if match.group(3):
        width = int(match.group(3))
        if width >= TILE_WIDTH:
            raise TileError(f"partial tile width must be 1..255: {path!r}")
    return int("".join(groups)), width


def parse_level(text: str) -> int:
    if not re.fullmatch(r"0|[1-9]\d?", text) or int(text) > 63:
        raise TileError(f"tile level must be 0..63 without leading zeros: {text!r}")
    return int(text)


# -- stored tiles ----------------------------------------------------------------------------


def tile_level_offsets(width: int) -> list[int]:
    """Byte offsets of tile levels 0..8 in a stored tile of ``width`` (the last is the length)."""
    offsets = [0]
    for k in range(TILE_HEIGHT):
        offsets.append(offsets[-1] + (width >> k) * HASH_SIZE)
    return offsets


def encode_tile(levels: Sequence[Sequence[bytes]]) -> bytes:
    """The stored record of a tile from its 8 levels (level 0 first)."""
    return b"".join(b"".join(level) for level in levels)


def decode_tile(width: int, nodes: bytes) -> list[list[bytes]]:
    """The 8 levels of a stored tile."""
    offsets = tile_level_offsets(width)
    if len(nodes) != offsets[-1]:
        raise TileError(f"stored tile of width {width} has {len(nodes)} bytes, not {offsets[-1]}")
    return [
        [nodes[p : p + HASH_SIZE] for p in range(offsets[k], offsets[k + 1], HASH_SIZE)]
        for k in range(TILE_HEIGHT)
    ]


def node_in_tile(width: int, nodes: bytes, k: int, position: int) -> bytes | None:
    """Hash at tile level ``k``, ``position``, or None if the tile does not have it yet."""
    if position >= width >> k:
        return None
    start = tile_level_offsets(width)[k] + position * HASH_SIZE
    return nodes[start : start + HASH_SIZE]


def hashes_of(data: bytes) -> list[bytes]:
    """Split a C2SP tile (concatenated hashes) into its hashes."""
    if len(data) % HASH_SIZE:
        raise TileError(f"tile of {len(data)} bytes is not a whole number of hashes")
    return [data[p : p + HASH_SIZE] for p in range(0, len(data), HASH_SIZE)]


# -- entry bundles ---------------------------------------------------------------------------


def encode_entries(entries: Iterable[bytes]) -> bytes:
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(f"entry of {len(entry)} bytes exceeds the bundle limit of 65535")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def iter_bundle(data: bytes) -> Iterator[bytes]:
    """The entries of a bundle; ``TileError`` if the bundle is truncated."""
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise TileError(f"entry bundle truncated at byte {pos}")
        length = data[pos] << 8 | data[pos + 1]
        pos += 2
        if pos + length > end:
            raise TileError(f"entry bundle truncated at byte {pos}")
        yield data[pos : pos + length]
        pos += length


def decode_bundle(data: bytes) -> list[bytes]:
    return list(iter_bundle(data))


def bundle_prefix(data: bytes, count: int) -> bytes:
    """The first ``count`` entries of a bundle, still encoded (a partial bundle of width count)."""
    pos = 0
    for _ in range(count):
        if pos + 2 > len(data):
            raise TileError("entry bundle is shorter than its count")
        pos += 2 + (data[pos] << 8 | data[pos + 1])
    if pos > len(data):
        raise TileError("entry bundle is shorter than its count")
    return data[:pos]
