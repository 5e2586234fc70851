"""C2SP tlog-tiles layout: paths, widths, stored tiles and entry bundles."""

from __future__ import annotations

import os

import pytest

from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.tiles import TileError


@pytest.mark.parametrize(
    ("n", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_paths(n: int, path: str) -> None:
    assert tiles.encode_index(n) == path
    assert tiles.parse_index_path(path) == (n, 256)
    assert tiles.parse_index_path(path + ".p/17") == (n, 17)


def test_tile_and_bundle_paths() -> None:
    assert tiles.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tiles.tile_path(2, 0, 1) == "tile/2/000.p/1"
    assert tiles.bundle_path(5, 112) == "tile/entries/005.p/112"


@pytest.mark.parametrize(
    "bad",
    ["", "1", "01", "0001", "x001", "x000/001", "001.p/0", "001.p/256", "001.p/07", "abc", "001/"],
)
def test_bad_index_paths(bad: str) -> None:
    with pytest.raises(TileError):
        tiles.parse_index_path(bad)


@pytest.mark.parametrize("bad", ["", "00", "01", "64", "-1", "x"])
def test_bad_levels(bad: str) -> None:
    with pytest.raises(TileError):
        tiles.parse_level(bad)


def test_widths_of_the_spec_example() -> None:
    # c2sp.org/tlog-tiles: a tree of 70,000 has 273 full level-0 tiles, a partial one of 112, one
    # full level-1 tile, a partial level-1 tile of 17 and a partial level-2 tile of 1.
    size = 70_000
    assert [tiles.tile_width(0, i, size) for i in (0, 272, 273, 274)] == [256, 256, 112, 0]
    assert [tiles.tile_width(1, i, size) for i in (0, 1, 2)] == [256, 17, 0]
    assert tiles.tile_width(2, 0, size) == 1
    assert tiles.tile_count_levels(size) == 3
    assert tiles.tile_count_levels(256) == 2  # a full level-0 tile and a level-1 tile of width 1
    assert tiles.tile_count_levels(0) == 0


def test_tile_of_places_every_node() -> None:
    assert tiles.tile_of((0, 300)) == (0, 1, 0, 44)
    assert tiles.tile_of((3, 37)) == (0, 1, 3, 5)
    assert tiles.tile_of((8, 5)) == (1, 0, 0, 5)
    assert tiles.tile_of((15, 3)) == (1, 1, 7, 1)


def test_stored_tile_roundtrip_and_prefix() -> None:
    leaves = [os.urandom(32) for _ in range(200)]
    levels = [leaves]
    for _ in range(7):
        levels.append(merkle.pair_up(levels[-1]))
    record = tiles.encode_tile(levels)
    assert len(record) == tiles.tile_level_offsets(200)[-1]
    assert tiles.decode_tile(200, record) == levels
    assert record[: 200 * 32] == b"".join(leaves)  # the C2SP tile is the record's prefix
    assert tiles.node_in_tile(200, record, 3, 24) == levels[3][24]
    assert tiles.node_in_tile(200, record, 3, 25) is None
    with pytest.raises(TileError):
        tiles.decode_tile(201, record)
    with pytest.raises(TileError):
        tiles.hashes_of(b"x" * 33)


def test_entry_bundles() -> None:
    entries = [b"", b"a", os.urandom(300), os.urandom(65535)]
    data = tiles.encode_entries(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert tiles.decode_bundle(data) == entries
    assert tiles.bundle_prefix(data, 2) == tiles.encode_entries(entries[:2])
    with pytest.raises(TileError, match="65535"):
        tiles.encode_entries([b"x" * 65536])
    with pytest.raises(TileError, match="truncated"):
        tiles.decode_bundle(data[:-1])
    with pytest.raises(TileError, match="truncated"):
        tiles.decode_bundle(b"\x00")
    with pytest.raises(TileError, match="shorter"):
        tiles.bundle_prefix(data, 5)
