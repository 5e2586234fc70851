"""Appending to the evidence ledger and reading it back, inside the caller's transaction.

``append(session, entries)`` is how every state change reaches the log: the pipeline calls it in
the same transaction as the rows it describes, so the entries are in the log exactly when the
rows are in the database. It sequences and integrates in one step (what tessera calls
sequencing and integration): it locks the tree state, reads the right edge of the tree (the
partial tile of each level and the partial entry bundle, a few rows), hashes the new leaves and
the interior nodes they complete, and writes the tiles, bundles and new state. Nothing else is
read; the cost of an append batch does not grow with the size of the log.

Concurrency: on PostgreSQL the state row is locked with ``SELECT ... FOR UPDATE``; on SQLite
every transaction begins with ``BEGIN IMMEDIATE`` (``fairscreen.kit.db.make_engine``), so the
first statement already holds the write lock. Either way, two appenders are serialised and the
second one sees the first one's committed state. A rollback leaves the log as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from fairscreen.kit.errors import FairscreenError
from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.merkle import HASH_SIZE, NodeKey
from fairscreen.ledger.models import STATE_ID, LedgerBundle, LedgerState, LedgerTile
from fairscreen.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

STATE = cast(Table, LedgerState.__table__)
TILES = cast(Table, LedgerTile.__table__)
BUNDLES = cast(Table, LedgerBundle.__table__)


class LedgerError(FairscreenError):
    """The log cannot do what was asked (bad entry, index out of range, damaged storage)."""


@dataclass(frozen=True, slots=True)
class TreeHead:
    size: int
    root: bytes


def read_state(session: Session) -> TreeHead:
    """The current size and root of the log (as this transaction sees it)."""
    row = session.execute(select(STATE.c.size, STATE.c.root).where(STATE.c.id == STATE_ID)).first()
    if row is None:
        raise LedgerError("ledger_state has no row: run `fairscreen` migrations (alembic upgrade)")
    return TreeHead(row.size, bytes(row.root))


def lock_state(session: Session) -> TreeHead:
    """The current size and root, with the append lock held until the transaction ends."""
    stmt = select(STATE.c.size, STATE.c.root).where(STATE.c.id == STATE_ID).with_for_update()
    row = session.execute(stmt).first()
    if row is None:
        raise LedgerError("ledger_state has no row: run `fairscreen` migrations (alembic upgrade)")
    return TreeHead(row.size, bytes(row.root))


def _check_entries(entries: Sequence[bytes]) -> None:
    for position, entry in enumerate(entries):
        if not isinstance(entry, bytes):
            raise LedgerError(f"entries[{position}]: expected bytes, got {type(entry).__name__}")
        if len(entry) > tiles.MAX_ENTRY_SIZE:
            raise LedgerError(
                f"entries[{position}]: {len(entry)} bytes, more than an entry bundle can hold (65535)"
            )


def append(session: Session, entries: Sequence[bytes]) -> int:
    """Append ``entries`` (canonical bytes) in ``session``'s open transaction; return the index
    of the first. The caller commits or rolls back."""
    _check_entries(entries)
    head = lock_state(session)
    if not entries:
        return head.size
    old, new = head.size, head.size + len(entries)

    # The right edge as stored: the partial tile of every level and the partial bundle.
    edge_keys = [
        (level, (old >> (TILE_HEIGHT * level)) >> TILE_HEIGHT)
        for level in range(tiles.tile_count_levels(old))
        if (old >> (TILE_HEIGHT * level)) & (TILE_WIDTH - 1)
    ]
    stored = _read_tiles(session, edge_keys)
    bundle_idx, bundle_count = old >> TILE_HEIGHT, old & (TILE_WIDTH - 1)
    old_bundle = b""
    if bundle_count:
        old_bundle = session.execute(
            select(BUNDLES.c.data).where(BUNDLES.c.idx == bundle_idx)
        ).scalar_one()

    # Every global level h: the nodes from the start of its partial tile to the new right edge.
    starts: list[int] = []
    levels: list[list[bytes]] = []
    h = 0
    fresh = merkle.leaf_hashes(entries)
    while new >> h:
        tile_level, k = divmod(h, TILE_HEIGHT)
        tile_index = (old >> (TILE_HEIGHT * tile_level)) >> TILE_HEIGHT
        start = tile_index << (TILE_HEIGHT - k)
        row = stored.get((tile_level, tile_index))
        kept = row[1][k] if row else []
        if len(kept) != (old >> h) - start:
            raise LedgerError(f"tile {tile_level}/{tile_index} does not match the tree size {old}")
        starts.append(start)
        levels.append(kept + fresh)
        # The nodes of level h + 1 that this batch completes.
        first, last = old >> (h + 1), new >> (h + 1)
        fresh = merkle.pair_up(levels[h][2 * first - start : 2 * last - start])
        h += 1

    # Tiles: every tile whose lowest level gained hashes, rewritten whole (it is small).
    new_tiles, changed_tiles = [], []
    for tile_level in range(tiles.tile_count_levels(new)):
        base = TILE_HEIGHT * tile_level
        old_count, new_count = old >> base, new >> base
        if new_count == old_count:
            continue
        for tile_index in range(old_count >> TILE_HEIGHT, ((new_count - 1) >> TILE_HEIGHT) + 1):
            width = min(TILE_WIDTH, new_count - tile_index * TILE_WIDTH)
            parts = []
            for k in range(TILE_HEIGHT):
                h = base + k
                if h >= len(levels):
                    break
                lo = (tile_index << (TILE_HEIGHT - k)) - starts[h]
                parts.append(b"".join(levels[h][lo : lo + (width >> k)]))
            record = {
                "level": tile_level,
                "idx": tile_index,
                "width": width,
                "nodes": b"".join(parts),
            }
            if (tile_level, tile_index) in stored:
                changed_tiles.append(record)
            else:
                new_tiles.append(record)

    # Bundles: the partial bundle grows, then whole new ones.
    encoded = [len(e).to_bytes(2, "big") + e for e in entries]
    new_bundles, changed_bundle = [], None
    position, idx = 0, bundle_idx
    room = TILE_WIDTH - bundle_count
    while position < len(encoded):
        chunk = encoded[position : position + room]
        if idx == bundle_idx and bundle_count:
            changed_bundle = {
                "idx": idx,
                "count": bundle_count + len(chunk),
                "data": old_bundle + b"".join(chunk),
            }
        else:
            new_bundles.append({"idx": idx, "count": len(chunk), "data": b"".join(chunk)})
        position += len(chunk)
        idx += 1
        room = TILE_WIDTH

    root = merkle.fold(
        [
            levels[h][(new >> h) - 1 - starts[h]]
            for h in range(len(levels) - 1, -1, -1)
            if new >> h & 1
        ]
    )

    for record in changed_tiles:
        session.execute(
            update(TILES)
            .where(TILES.c.level == record["level"], TILES.c.idx == record["idx"])
            .values(width=record["width"], nodes=record["nodes"])
        )
    if new_tiles:
        session.execute(insert(TILES), new_tiles)
    if changed_bundle is not None:
        session.execute(
            update(BUNDLES)
            .where(BUNDLES.c.idx == changed_bundle["idx"])
            .values(count=changed_bundle["count"], data=changed_bundle["data"])
        )
    if new_bundles:
        session.execute(insert(BUNDLES), new_bundles)
    session.execute(update(STATE).where(STATE.c.id == STATE_ID).values(size=new, root=root))
    return old


# -- reading ---------------------------------------------------------------------------------


def _read_tiles(
    session: Session, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, list[list[bytes]]]]:
    """Stored tiles by ``(level, idx)``: their width and decoded levels."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    rows = session.execute(
        select(TILES.c.level, TILES.c.idx, TILES.c.width, TILES.c.nodes).where(
            or_(*[and_(TILES.c.level == lv, TILES.c.idx == ix) for lv, ix in keys])
        )
    ).all()
    out = {}
    for row in rows:
        try:
            out[(row.level, row.idx)] = (row.width, tiles.decode_tile(row.width, bytes(row.nodes)))
        except tiles.TileError as exc:
            raise LedgerError(f"tile {row.level}/{row.idx}: {exc}") from None
    return out


def read_tile_records(
    session: Session, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, bytes]]:
    """Stored tiles by ``(level, idx)``, raw: ``(width, nodes)``."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    rows = session.execute(
        select(TILES.c.level, TILES.c.idx, TILES.c.width, TILES.c.nodes).where(
            or_(*[and_(TILES.c.level == lv, TILES.c.idx == ix) for lv, ix in keys])
        )
    ).all()
    return {(row.level, row.idx): (row.width, bytes(row.nodes)) for row in rows}


def read_nodes(session: Session, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Complete nodes of the tree, read from their stored tiles (one query, no hashing)."""
    wanted = list(keys)
    where = {key: tiles.tile_of(key) for key in wanted}
    records = read_tile_records(session, {(t[0], t[1]) for t in where.values()})
    out: dict[NodeKey, bytes] = {}
    for key, (tile_level, tile_index, k, position) in where.items():
        record = records.get((tile_level, tile_index))
        node = None if record is None else tiles.node_in_tile(record[0], record[1], k, position)
        if node is None:
            raise LedgerError(f"node {key} is missing from tile {tile_level}/{tile_index}")
        out[key] = node
    return out


def root_at(session: Session, size: int) -> bytes:
    """The root of the log when it had ``size`` entries, from stored nodes."""
    head = read_state(session)
    if not 0 <= size <= head.size:
        raise LedgerError(f"size {size} is outside 0..{head.size}")
    if size == head.size:
        return head.root
    keys = merkle.root_keys(size)
    nodes = read_nodes(session, keys)
    return merkle.fold([nodes[k] for k in keys])


def read_bundle(session: Session, bundle_index: int) -> tuple[int, bytes] | None:
    """``(count, data)`` of entry bundle ``bundle_index``, or None."""
    row = session.execute(
        select(BUNDLES.c.count.label("n"), BUNDLES.c.data).where(BUNDLES.c.idx == bundle_index)
    ).first()
    return None if row is None else (row.n, bytes(row.data))


def read_entries(session: Session, start: int, end: int) -> list[bytes]:
    """Entries ``start .. end - 1``."""
    head = read_state(session)
    if not 0 <= start <= end <= head.size:
        raise LedgerError(f"entries {start}..{end} are outside the log of size {head.size}")
    if start == end:
        return []
    first, last = start >> TILE_HEIGHT, (end - 1) >> TILE_HEIGHT
    rows = session.execute(
        select(BUNDLES.c.idx, BUNDLES.c.data)
        .where(BUNDLES.c.idx >= first, BUNDLES.c.idx <= last)
        .order_by(BUNDLES.c.idx)
    ).all()
    by_index = {row.idx: bytes(row.data) for row in rows}
    out: list[bytes] = []
    for idx in range(first, last + 1):
        data = by_index.get(idx)
        if data is None:
            raise LedgerError(f"entry bundle {idx} is missing")
        try:
            bundle = tiles.decode_bundle(data)
        except tiles.TileError as exc:
            raise LedgerError(f"entry bundle {idx}: {exc}") from None
        lo = max(start, idx * TILE_WIDTH) - idx * TILE_WIDTH
        hi = min(end, (idx + 1) * TILE_WIDTH) - idx * TILE_WIDTH
        if len(bundle) < hi:
            raise LedgerError(f"entry bundle {idx} holds {len(bundle)} entries, expected {hi}")
        out.extend(bundle[lo:hi])
    return out


def read_entry(session: Session, index: int) -> bytes:
    return read_entries(session, index, index + 1)[0]


def leaf_hash_at(session: Session, index: int) -> bytes:
    """The stored leaf hash of entry ``index`` (from its level-0 tile)."""
    return read_nodes(session, [(0, index)])[(0, index)]


def nodes_from_tile_hashes(
    tile_level: int, tile_index: int, hashes: Sequence[bytes]
) -> Mapping[NodeKey, bytes]:
    """All complete nodes under a C2SP tile (its hashes and the levels above them in the tile):
    what a client that fetched the tile over HTTP can use to build proofs."""
    out: dict[NodeKey, bytes] = {}
    level = list(hashes)
    for k in range(TILE_HEIGHT):
        first = tile_index << (TILE_HEIGHT - k)
        for i, h in enumerate(level):
            out[(TILE_HEIGHT * tile_level + k, first + i)] = h
        level = merkle.pair_up(level)
    return out


__all__ = [
    "HASH_SIZE",
    "LedgerError",
    "TreeHead",
    "append",
    "leaf_hash_at",
    "lock_state",
    "nodes_from_tile_hashes",
    "read_bundle",
    "read_entries",
    "read_entry",
    "read_nodes",
    "read_state",
    "root_at",
]
