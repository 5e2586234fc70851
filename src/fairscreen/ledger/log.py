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

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fairscreen.kit.db import table_of
from fairscreen.kit.errors import FairscreenError
from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.merkle import HASH_SIZE, NodeKey
from fairscreen.ledger.models import STATE_ID, LedgerBundle, LedgerState, LedgerTile
from fairscreen.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

STATE = table_of(LedgerState)
TILES = table_of(LedgerTile)
BUNDLES = table_of(LedgerBundle)


class LedgerError(FairscreenError):
    """The log cannot do what was asked (bad entry, index out of range, damaged storage)."""


@dataclass(frozen=True, slots=True)
class TreeHead:
    size: int
    root: bytes


class _Driver:
    """Statements on the session's own connection (so, in its transaction), straight through
    the DB-API driver. The append and proof paths are a handful of tiny statements each, and
    SQLAlchemy's statement layer costs several times what SQLite or PostgreSQL take to run them.
    SQL is written with ``?`` placeholders; the two drivers fairscreen supports are covered."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        driver = connection.dialect.driver
        if driver not in ("pysqlite", "psycopg"):
            raise LedgerError(f"the ledger supports SQLite and PostgreSQL (psycopg), not {driver}")
        self.postgres = driver == "psycopg"
        self.dbapi: Any = connection.connection.dbapi_connection
        self.errors: type[Exception] = connection.dialect.loaded_dbapi.Error

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(self._sql(sql), tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(self._sql(sql), tuple(params))
        finally:
            cursor.close()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cursor = self.dbapi.cursor()
        try:
            cursor.executemany(self._sql(sql), [tuple(r) for r in rows])
        finally:
            cursor.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Statements sent inside are sent together, their results read at the end (psycopg's
        pipeline mode: one round trip for the lot instead of one each). An error is raised at
        the end, as SQLAlchemy raises it (``DBAPIError``), and the transaction is then aborted,
        as it would be. SQLite: nothing to do."""
        if not self.postgres:
            yield
            return
        try:
            with self.dbapi.pipeline():
                yield
        except self.errors as exc:
            raise DBAPIError.instance("ledger append", None, exc, self.errors) from exc


def _head(rows: list[Any]) -> TreeHead:
    if not rows:
        raise LedgerError("ledger_state has no row: run `fairscreen` migrations (alembic upgrade)")
    return TreeHead(int(rows[0][0]), bytes(rows[0][1]))


def read_state(session: Session) -> TreeHead:
    """The current size and root of the log (as this transaction sees it)."""
    return _head(
        _Driver(session).query("SELECT size, root FROM ledger_state WHERE id = ?", [STATE_ID])
    )


def lock_state(session: Session) -> TreeHead:
    """The current size and root, with the append lock held until the transaction ends."""
    driver = _Driver(session)
    if driver.postgres:
        return _head(
            driver.query("SELECT size, root FROM ledger_state WHERE id = ? FOR UPDATE", [STATE_ID])
        )
    # SQLite: the transaction began with BEGIN IMMEDIATE, so it already holds the write lock.
    return _head(driver.query("SELECT size, root FROM ledger_state WHERE id = ?", [STATE_ID]))


def _check_entries(entries: Sequence[bytes]) -> None:
    for position, entry in enumerate(entries):
        if not isinstance(entry, bytes):
            raise LedgerError(f"entries[{position}]: expected bytes, got {type(entry).__name__}")
        if len(entry) > tiles.MAX_ENTRY_SIZE:
            raise LedgerError(
                f"entries[{position}]: {len(entry)} bytes, more than an entry bundle can hold (65535)"
            )


@dataclass(frozen=True, slots=True)
class _Edge:
    """The right edge of a tree: for every level h, the nodes from the start of its partial tile
    (``starts[h]``) to the end; and the partial entry bundle."""

    starts: tuple[int, ...]
    levels: tuple[tuple[bytes, ...], ...]
    bundle: bytes


# Right edges of recently appended trees, keyed by (size, root). A tree's size and root fix its
# leaves (SHA-256 is collision resistant), so a cached edge is valid for any database whose
# locked state has that size and root: after a rollback, or another writer's append, the key
# simply no longer matches and the edge is read from the tables again.
_EDGES: OrderedDict[tuple[int, bytes], _Edge] = OrderedDict()
_EDGES_LOCK = threading.Lock()
_EDGES_KEPT = 8


def _cached_edge(head: TreeHead) -> _Edge | None:
    with _EDGES_LOCK:
        return _EDGES.get((head.size, head.root))


def _remember_edge(head: TreeHead, edge: _Edge) -> None:
    with _EDGES_LOCK:
        _EDGES[(head.size, head.root)] = edge
        _EDGES.move_to_end((head.size, head.root))
        while len(_EDGES) > _EDGES_KEPT:
            _EDGES.popitem(last=False)


def _tile_start(size: int, h: int) -> int:
    """Position, at level h, of the first node of the partial tile of a tree of ``size``."""
    tile_level, k = divmod(h, TILE_HEIGHT)
    return ((size >> (TILE_HEIGHT * tile_level)) >> TILE_HEIGHT) << (TILE_HEIGHT - k)


def _read_edge(driver: _Driver, size: int) -> _Edge:
    keys = [
        (level, (size >> (TILE_HEIGHT * level)) >> TILE_HEIGHT)
        for level in range(tiles.tile_count_levels(size))
        if (size >> (TILE_HEIGHT * level)) & (TILE_WIDTH - 1)
    ]
    stored: dict[tuple[int, int], list[list[bytes]]] = {}
    if keys:
        sql = "SELECT level, idx, width, nodes FROM ledger_tiles WHERE " + " OR ".join(  # noqa: S608
            ["(level = ? AND idx = ?)"] * len(keys)
        )
        for row in driver.query(sql, [x for key in keys for x in key]):
            try:
                stored[(row[0], row[1])] = tiles.decode_tile(row[2], bytes(row[3]))
            except tiles.TileError as exc:
                raise LedgerError(f"tile {row[0]}/{row[1]}: {exc}") from None
    starts, levels = [], []
    for h in range(size.bit_length()):
        tile_level, k = divmod(h, TILE_HEIGHT)
        start = _tile_start(size, h)
        tile = stored.get((tile_level, (size >> (TILE_HEIGHT * tile_level)) >> TILE_HEIGHT))
        nodes = tile[k] if tile else []
        if len(nodes) != (size >> h) - start:
            raise LedgerError(f"the stored tiles do not match the tree size {size}")
        starts.append(start)
        levels.append(tuple(nodes))
    bundle = b""
    if size & (TILE_WIDTH - 1):
        rows = driver.query("SELECT data FROM ledger_bundles WHERE idx = ?", [size >> TILE_HEIGHT])
        if not rows:
            raise LedgerError(f"entry bundle {size >> TILE_HEIGHT} is missing")
        bundle = bytes(rows[0][0])
    return _Edge(tuple(starts), tuple(levels), bundle)


# Called with the session just before an append takes the lock: writes that belong to the same
# transaction but need not wait for, or hold, the one appender's lock (the idempotency key's
# mark, fairscreen.web.idempotency). Under load the appenders queue for the lock, and every
# statement a holder sends is one more round trip (and one more wait for the GIL) for the queue.
BEFORE_LOCK: list[Callable[[Session], None]] = []


def append(
    session: Session, entries: Sequence[bytes], *, then: Callable[[int], None] | None = None
) -> int:
    """Append ``entries`` (canonical bytes) in ``session``'s open transaction; return the index
    of the first. ``then`` (called with that index) writes what the entries commit to, sent
    with the ledger's own writes (``_Driver.batch``). The caller commits or rolls back."""
    _check_entries(entries)
    driver = _Driver(session)
    for hook in BEFORE_LOCK:
        hook(session)
    head = lock_state(session)
    if not entries:
        if then is not None:
            then(head.size)
        return head.size
    old, new = head.size, head.size + len(entries)
    edge = _cached_edge(head) or _read_edge(driver, old)

    # Every level h: the nodes from the start of its (old) partial tile to the new right edge.
    levels: list[list[bytes]] = []
    starts: list[int] = []
    fresh = merkle.leaf_hashes(entries)
    h = 0
    while new >> h:
        start = edge.starts[h] if h < len(edge.starts) else 0
        kept = list(edge.levels[h]) if h < len(edge.levels) else []
        starts.append(start)
        levels.append(kept + fresh)
        # The nodes of level h + 1 that this batch completes.
        first, last = old >> (h + 1), new >> (h + 1)
        fresh = merkle.pair_up(levels[h][2 * first - start : 2 * last - start])
        h += 1

    # Tiles: every tile whose lowest level gained hashes, rewritten whole (it is small).
    new_tiles: list[tuple[int, int, int, bytes]] = []
    changed_tiles: list[tuple[int, bytes, int, int]] = []
    for tile_level in range(tiles.tile_count_levels(new)):
        base = TILE_HEIGHT * tile_level
        old_count, new_count = old >> base, new >> base
        if new_count == old_count:
            continue
        for tile_index in range(old_count >> TILE_HEIGHT, ((new_count - 1) >> TILE_HEIGHT) + 1):
            width = min(TILE_WIDTH, new_count - tile_index * TILE_WIDTH)
            parts = []
            for k in range(TILE_HEIGHT):
                if base + k >= len(levels) or not width >> k:
                    break
                lo = (tile_index << (TILE_HEIGHT - k)) - starts[base + k]
                parts.append(b"".join(levels[base + k][lo : lo + (width >> k)]))
            nodes = b"".join(parts)
            if tile_index == old_count >> TILE_HEIGHT and old_count & (TILE_WIDTH - 1):
                changed_tiles.append((width, nodes, tile_level, tile_index))
            else:
                new_tiles.append((tile_level, tile_index, width, nodes))

    # Bundles: the partial bundle grows, then whole new ones.
    bundle_idx, bundle_count = old >> TILE_HEIGHT, old & (TILE_WIDTH - 1)
    encoded = [len(e).to_bytes(2, "big") + e for e in entries]
    new_bundles: list[tuple[int, int, bytes]] = []
    changed_bundle: tuple[int, bytes, int] | None = None
    position, idx, room = 0, bundle_idx, TILE_WIDTH - bundle_count
    last_data = b""
    while position < len(encoded):
        chunk = encoded[position : position + room]
        if idx == bundle_idx and bundle_count:
            last_data = edge.bundle + b"".join(chunk)
            changed_bundle = (bundle_count + len(chunk), last_data, idx)
        else:
            last_data = b"".join(chunk)
            new_bundles.append((idx, len(chunk), last_data))
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

    with driver.batch():  # PostgreSQL: the writes go out together, one round trip
        driver.executemany(
            "UPDATE ledger_tiles SET width = ?, nodes = ? WHERE level = ? AND idx = ?",
            changed_tiles,
        )
        driver.executemany(
            "INSERT INTO ledger_tiles (level, idx, width, nodes) VALUES (?, ?, ?, ?)", new_tiles
        )
        if changed_bundle is not None:
            driver.execute(
                "UPDATE ledger_bundles SET count = ?, data = ? WHERE idx = ?", changed_bundle
            )
        driver.executemany(
            "INSERT INTO ledger_bundles (idx, count, data) VALUES (?, ?, ?)", new_bundles
        )
        driver.execute(
            "UPDATE ledger_state SET size = ?, root = ? WHERE id = ?", (new, root, STATE_ID)
        )
        if then is not None:
            then(old)

    # The new right edge, for the next append if nothing else happens in between.
    new_starts = tuple(_tile_start(new, h) for h in range(len(levels)))
    _remember_edge(
        TreeHead(new, root),
        _Edge(
            new_starts,
            tuple(tuple(levels[h][new_starts[h] - starts[h] :]) for h in range(len(levels))),
            last_data if new & (TILE_WIDTH - 1) else b"",
        ),
    )
    return old


# -- reading ---------------------------------------------------------------------------------


def read_tile_records(
    session: Session, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, bytes]]:
    """Stored tiles by ``(level, idx)``, raw: ``(width, nodes)``."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    # Only placeholders are repeated into the text; the values are bound.
    sql = "SELECT level, idx, width, nodes FROM ledger_tiles WHERE " + " OR ".join(  # noqa: S608
        ["(level = ? AND idx = ?)"] * len(keys)
    )
    rows = _Driver(session).query(sql, [x for key in keys for x in key])
    return {(row[0], row[1]): (row[2], bytes(row[3])) for row in rows}


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
