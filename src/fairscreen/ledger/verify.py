"""``fairscreen ledger verify``: recompute the whole log from its entries and check everything.

One streaming pass over the entry bundles, in index order, a chunk of bundles at a time (memory
does not grow with the log):

1. every entry is hashed; its leaf hash must equal the stored level-0 tile, and every stored
   tile (its interior included, at every level) must equal the one recomputed from the entries;
2. the root recomputed at the size of every signed checkpoint must equal the checkpoint's root,
   whose signature is checked with the log's public key; the root at the current size must
   equal the stored tree state; no signed checkpoint may be larger than the log;
3. every entry that names an off-log record (``"record": "<table>/<id>"``) with a
   ``"commitment"`` must find that row, and ``commit(row.commitment_salt,
   row.committed_fields())`` must equal the commitment. A missing row is lawful only when the
   entry's ``"subject"`` is in ``destroyed_subjects`` (its data was destroyed by retention).

Problems are reported with the index of the first entry they concern; ``first_bad_index`` is the
smallest. A stored hash or a signed root that the entries do not give is blamed on the entry
problem inside its range if one was found (that is the precise index), else on the start of its
range (all that can be known when every stored hash was rewritten to agree with the entries).

Chunks are independent until their level-0 tile roots are combined, so with ``workers > 1`` (and
a ``sessionmaker``) they are scanned by worker processes, each with its own connection, while
this process combines the roots and checks the checkpoints in order. Given a ``Session`` the
pass runs inside it (the tamper tests verify uncommitted changes); given a ``sessionmaker``,
every read is its own short transaction, so a long verification never holds the database.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import Mapper, Session, sessionmaker

from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Base, make_engine, session_factory
from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.log import BUNDLES, TILES, read_state
from fairscreen.ledger.merkle import HASH_SIZE
from fairscreen.ledger.note import NoteError, Verifier, open_checkpoint
from fairscreen.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

T = TypeVar("T")
_RECORD_MARK = b'"record"'
_MAX_PROBLEMS = 50
_MAX_FOUND_PER_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    index: int  # the first entry index the problem concerns
    message: str


@dataclass
class VerifyReport:
    size: int = 0
    root: bytes = b""
    checkpoints: int = 0
    latest_checkpoint: int | None = None
    entries: int = 0
    records: int = 0
    records_destroyed: int = 0
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_index(self) -> int | None:
        return min((p.index for p in self.problems), default=None)

    def add(self, index: int, message: str) -> None:
        """Keep the problems with the smallest indices (a bounded number), count the rest."""
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(index, message))
            return
        self.more_problems += 1
        worst = max(range(len(self.problems)), key=lambda i: self.problems[i].index)
        if index < self.problems[worst].index:
            self.problems[worst] = Problem(index, message)

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: p.index)


class _Reader:
    """Runs reads in the given session, or each in its own short transaction."""

    def __init__(self, source: Session | sessionmaker[Session]) -> None:
        self.source = source

    def __call__(self, fn: Callable[[Session], T]) -> T:
        if isinstance(self.source, Session):
            return fn(self.source)
        with self.source() as session, session.begin():
            return fn(session)


# -- what one chunk of bundles yields ----------------------------------------------------------


@dataclass(slots=True)
class _Found:
    kind: str  # entry | tree | record
    lo: int
    hi: int
    message: str


@dataclass(slots=True)
class _Tile:
    """One rebuilt level-0 tile: its root if full, and the nodes below level 8 of the compact
    range of every asked-for size that ends inside it (highest level first)."""

    j: int
    width: int
    rebuilt: bool
    root: bytes | None = None
    prefixes: dict[int, list[bytes]] = field(default_factory=dict)


@dataclass(slots=True)
class _Chunk:
    tiles: list[_Tile] = field(default_factory=list)
    found: list[_Found] = field(default_factory=list)
    entries: int = 0
    records: int = 0
    records_destroyed: int = 0

    def add(self, kind: str, lo: int, hi: int, message: str) -> None:
        if len(self.found) < _MAX_FOUND_PER_CHUNK:
            self.found.append(_Found(kind, lo, hi, message))


def _split(data: bytes) -> tuple[list[bytes], str | None]:
    """The entries of a bundle and, if it is malformed, what is wrong after the last good one."""
    out: list[bytes] = []
    append = out.append
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            return out, f"truncated at byte {pos}"
        length = data[pos] << 8 | data[pos + 1]
        pos += 2
        if pos + length > end:
            return out, f"truncated at byte {pos}"
        append(data[pos : pos + length])
        pos += length
    return out, None


def _scan(
    read: _Reader,
    first: int,
    last: int,
    size: int,
    sizes: list[int],
    tables: dict[str, Mapper[Any]] | None,
) -> _Chunk:
    """Check bundles ``first .. last - 1`` of a log of ``size`` entries against their level-0
    tiles (and, with ``tables``, their records)."""
    rows, tile_rows = read(functools.partial(_chunk_rows, first=first, last=last))
    chunk = _Chunk()
    wanted = iter(sorted(s for s in sizes if first * TILE_WIDTH < s <= last * TILE_WIDTH))
    pending = next(wanted, None)
    for j in range(first, last):
        base = j * TILE_WIDTH
        width = min(TILE_WIDTH, size - base)
        entries: list[bytes] = []
        bundle = rows.get(j)
        if bundle is None:
            chunk.add(
                "entry",
                base,
                base + 1,
                f"entries {base}..{base + width - 1}: entry bundle {j} is missing",
            )
        else:
            count, data = bundle
            entries, broken = _split(data)
            if broken:
                chunk.add("entry", base + len(entries), 0, f"entry bundle {j}: {broken}")
            if count != len(entries) and len(entries) == width:
                chunk.add(
                    "entry",
                    base,
                    0,
                    f"entry bundle {j}: says {count} entries, holds {len(entries)}",
                )
            if len(entries) < width:
                chunk.add(
                    "entry", base + len(entries), 0, f"entry {base + len(entries)} is missing"
                )
            if tables is not None and _RECORD_MARK in data:
                _records(read, chunk, base, entries[:width], tables)
        if len(entries) > width:
            chunk.add(
                "entry",
                base + width,
                0,
                f"entry bundle {j} holds {len(entries)} entries, expected {width}",
            )
            entries = entries[:width]
        chunk.entries += len(entries)
        leaves = merkle.leaf_hashes(entries)

        tile = tile_rows.get(j)
        stored = b""
        if tile is None:
            chunk.add("tree", base, base + width, f"tile 0/{j} is missing")
        elif tile[0] != width:
            chunk.add(
                "tree", base, base + width, f"tile 0/{j} has width {tile[0]}, expected {width}"
            )
        else:
            stored = tile[1][: width * HASH_SIZE]
        if stored:
            joined = b"".join(leaves)
            if joined != stored[: len(joined)]:
                for i, leaf in enumerate(leaves):
                    if leaf != stored[i * HASH_SIZE : (i + 1) * HASH_SIZE]:
                        chunk.add(
                            "entry", base + i, 0, f"entry {base + i} does not match its leaf hash"
                        )
                        break
        if len(leaves) < width and len(stored) == width * HASH_SIZE:
            # Keep rebuilding the tree from the stored leaves to find further problems.
            leaves = leaves + tiles.hashes_of(stored)[len(leaves) :]
        if len(leaves) != width:
            chunk.tiles.append(_Tile(j, width, rebuilt=False))
            while pending is not None and pending <= base + width:
                pending = next(wanted, None)
            continue

        levels = [leaves]
        for _ in range(TILE_HEIGHT - 1):
            levels.append(merkle.pair_up(levels[-1]))
        if tile is not None and tile[0] == width and tiles.encode_tile(levels) != tile[1]:
            lo, hi = _first_bad_node(levels, tile[0], tile[1], 0, j)
            chunk.add(
                "tree", lo, hi, f"tile 0/{j}: stored nodes over entries {lo}..{hi - 1} differ"
            )
        result = _Tile(j, width, rebuilt=True)
        if width == TILE_WIDTH:
            result.root = merkle.node_hash(levels[-1][0], levels[-1][1])
        while pending is not None and pending <= base + width:
            result.prefixes[pending] = [
                levels[h][(pending >> h) - 1 - (j << (TILE_HEIGHT - h))]
                for h in range(TILE_HEIGHT - 1, -1, -1)
                if pending >> h & 1
            ]
            pending = next(wanted, None)
        chunk.tiles.append(result)
    return chunk


def _records(
    read: _Reader, chunk: _Chunk, base: int, entries: list[bytes], tables: dict[str, Mapper[Any]]
) -> None:
    wanted: dict[str, list[tuple[int, str, str, str | None]]] = defaultdict(list)
    for offset, entry in enumerate(entries):
        if _RECORD_MARK not in entry:
            continue
        index = base + offset
        try:
            body = orjson.loads(entry)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(body, dict) or "record" not in body:
            continue
        record, commitment, subject = (
            body.get("record"),
            body.get("commitment"),
            body.get("subject"),
        )
        if not isinstance(record, str) or "/" not in record or not isinstance(commitment, str):
            chunk.add("record", index, 0, f"entry {index}: malformed record reference")
            continue
        table, row_id = record.split("/", 1)
        if table not in tables:
            chunk.add(
                "record",
                index,
                0,
                f"entry {index}: record table {table!r} is not a committed table",
            )
            continue
        wanted[table].append(
            (index, row_id, commitment, subject if isinstance(subject, str) else None)
        )
    for table, refs in wanted.items():
        _check_table(read, chunk, table, tables[table], refs)


def _check_table(
    read: _Reader,
    chunk: _Chunk,
    table: str,
    mapper: Mapper[Any],
    refs: list[tuple[int, str, str, str | None]],
) -> None:
    cls = mapper.class_
    found = read(functools.partial(_load_rows, mapper=mapper, ids={r[1] for r in refs}))
    missing: list[tuple[int, str, str | None]] = []
    for index, row_id, commitment, subject in refs:
        row = found.get(row_id)
        if row is None:
            missing.append((index, row_id, subject))
            continue
        chunk.records += 1
        try:
            fields = (
                cls.committed_fields_of(row)
                if hasattr(cls, "committed_fields_of")
                else row["__object__"].committed_fields()
            )
            actual = commit(bytes(row["commitment_salt"]), fields)
        except (KeyError, TypeError, ValueError) as exc:
            chunk.add(
                "record",
                index,
                0,
                f"entry {index}: record {table}/{row_id} cannot be opened ({exc})",
            )
            continue
        if actual != commitment:
            chunk.add(
                "record",
                index,
                0,
                f"entry {index}: record {table}/{row_id} does not match its commitment",
            )
    if missing:
        subjects = {s for _, _, s in missing if s}
        destroyed = read(functools.partial(_destroyed, subjects=subjects)) if subjects else set()
        for index, row_id, subject in missing:
            if subject is not None and subject in destroyed:
                chunk.records_destroyed += 1
            else:
                chunk.add(
                    "record",
                    index,
                    0,
                    f"entry {index}: record {table}/{row_id} is missing and its subject's data "
                    "was not destroyed",
                )


# -- worker processes --------------------------------------------------------------------------

_worker_read: _Reader | None = None
_worker_tables: dict[str, Mapper[Any]] | None = None


def _worker_init(url: str, inherited: Engine | None, check_records: bool) -> None:
    global _worker_read, _worker_tables
    if inherited is not None:
        inherited.dispose(close=False)  # the parent's pooled connections stay the parent's
    _worker_read = _Reader(session_factory(make_engine(url, readonly=True)))  # reads only
    _worker_tables = _committed_tables() if check_records else None


def _worker_scan(first: int, last: int, size: int, sizes: list[int]) -> _Chunk:
    assert _worker_read is not None
    return _scan(_worker_read, first, last, size, sizes, _worker_tables)


def _committed_tables() -> dict[str, Mapper[Any]]:
    import fairscreen.models  # noqa: F401  (registers every table)

    out: dict[str, Mapper[Any]] = {}
    for mapper in Base.registry.mappers:
        table = getattr(mapper.class_, "__tablename__", None)
        if table and hasattr(mapper.class_, "committed_fields"):
            out[table] = mapper
    return out


# -- the pass ----------------------------------------------------------------------------------


@dataclass
class _Level:
    """The tile being rebuilt at one tile level >= 1: its 8 levels of nodes, grown one hash at a
    time (one hash per 256 entries below, so the cost is negligible)."""

    index: int = 0
    nodes: list[list[bytes]] = field(default_factory=lambda: [[] for _ in range(TILE_HEIGHT)])

    def push(self, h: bytes) -> bytes | None:
        """Add a hash; return the tile's root when the tile is complete."""
        self.nodes[0].append(h)
        for k in range(TILE_HEIGHT):
            level = self.nodes[k]
            if len(level) % 2:
                return None
            parent = merkle.node_hash(level[-2], level[-1])
            if k + 1 == TILE_HEIGHT:
                return parent
            self.nodes[k + 1].append(parent)
        return None  # pragma: no cover


def verify_log(
    source: Session | sessionmaker[Session],
    verifier: Verifier | None = None,
    *,
    check_records: bool = True,
    chunk: int = 64,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check the whole log; see the module docstring. ``verifier`` is the log's public key
    (checkpoint signatures are not checked without it). ``workers > 1`` scans chunks in that
    many processes (only with a ``sessionmaker``)."""
    return _Run(_Reader(source), verifier, check_records, max(1, chunk), workers, progress).run()


class _Run:
    def __init__(
        self,
        read: _Reader,
        verifier: Verifier | None,
        check_records: bool,
        chunk: int,
        workers: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.read = read
        self.verifier = verifier
        self.check_records = check_records
        self.chunk = chunk
        self.workers = workers if isinstance(read.source, sessionmaker) else 1
        self.progress = progress
        self.report = VerifyReport()
        self.upper: list[_Level] = []  # tile levels 1, 2, ...
        self.tree_ok = True  # false once the recomputed tree cannot be trusted any more
        self._tree_marks: list[int] = []  # indices of problems that explain a changed tree

    def _entry_problem(self, index: int, message: str) -> None:
        """A problem with the entries themselves: it explains any mismatch above it."""
        self._tree_marks.append(index)
        self.report.add(index, message)

    def _tree_problem(self, lo: int, hi: int, message: str) -> None:
        """A stored hash or signed root over entries ``lo .. hi - 1`` that the entries do not
        give: blamed on an entry problem in that range if there is one, else on ``lo``."""
        if any(lo <= mark < hi for mark in self._tree_marks):
            return
        self._tree_marks.append(lo)
        self.report.add(lo, message)

    def run(self) -> VerifyReport:
        report = self.report
        head = self.read(read_state)
        n = head.size
        report.size, report.root = n, head.root
        stored_checkpoints = self.read(_checkpoint_rows)
        report.checkpoints = len(stored_checkpoints)
        signed: list[tuple[int, bytes]] = []
        for size, root, note in stored_checkpoints:
            checked = self._checkpoint(size, root, note)
            if checked is not None:
                signed.append(checked)
        if signed:
            report.latest_checkpoint = max(size for size, _ in signed)
        for size, _ in signed:
            if size > n:
                report.add(
                    n,
                    f"the log has {n} entries but checkpoint {size} was signed: "
                    f"entries {n}..{size - 1} are gone (rollback)",
                )
        pending = sorted(c for c in signed if 0 < c[0] <= n)
        for size, root in signed:
            if size == 0 and root != merkle.EMPTY_ROOT:
                report.add(0, "checkpoint 0 does not carry the empty tree's root")
        sizes = [s for s, _ in pending] + [n]

        good_until = 0
        final_low: list[bytes] | None = None
        for result in self._chunks(n, sizes):
            report.entries += result.entries
            report.records += result.records
            report.records_destroyed += result.records_destroyed
            for found in result.found:
                if found.kind == "entry":
                    self._entry_problem(found.lo, found.message)
                elif found.kind == "tree":
                    self._tree_problem(found.lo, found.hi, found.message)
                else:
                    report.add(found.lo, found.message)
            for tile in result.tiles:
                if not tile.rebuilt:
                    self.tree_ok = False
                if not self.tree_ok:
                    continue
                end = tile.j * TILE_WIDTH + tile.width
                # Roots inside this tile first, then the tile's root goes up, then a root at its
                # very end (which may need it).
                while pending and pending[0][0] < end:
                    good_until = self._check_root(pending.pop(0), tile.prefixes, good_until)
                if tile.root is not None:
                    self._push(1, tile.root)
                while pending and pending[0][0] == end:
                    good_until = self._check_root(pending.pop(0), tile.prefixes, good_until)
                if n in tile.prefixes:
                    final_low = tile.prefixes[n]
            if self.progress is not None and result.tiles:
                last = result.tiles[-1]
                self.progress(last.j * TILE_WIDTH + last.width, n)

        if self.tree_ok:
            self._finish_upper(n)
        if self.tree_ok and n > 0 and final_low is not None:
            if self._root_at(n, final_low) != head.root:
                self._tree_problem(
                    good_until, n, "the stored tree state's root is not the root of the entries"
                )
        elif n == 0 and head.root != merkle.EMPTY_ROOT:
            report.add(0, "the empty log's stored root is not SHA-256 of nothing")
        return report

    def _chunks(self, n: int, sizes: list[int]) -> Iterator[_Chunk]:
        bundles = (n + TILE_WIDTH - 1) // TILE_WIDTH
        ranges = [(a, min(bundles, a + self.chunk)) for a in range(0, bundles, self.chunk)]
        if self.workers <= 1 or len(ranges) < 2:
            tables = _committed_tables() if self.check_records else None
            for a, b in ranges:
                yield _scan(self.read, a, b, n, sizes, tables)
            return
        factory = cast(sessionmaker[Session], self.read.source)
        engine = factory.kw["bind"]
        url = engine.url.render_as_string(hide_password=False)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        inherited = engine if context.get_start_method() == "fork" else None
        with ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(url, inherited, self.check_records),
        ) as pool:
            futures = [
                pool.submit(
                    _worker_scan,
                    a,
                    b,
                    n,
                    [s for s in sizes if a * TILE_WIDTH < s <= b * TILE_WIDTH],
                )
                for a, b in ranges
            ]
            for future in futures:
                yield future.result()

    # -- checkpoints ---------------------------------------------------------------------------

    def _checkpoint(self, size: int, root: bytes, note: str) -> tuple[int, bytes] | None:
        if self.verifier is None:
            return size, root
        try:
            checkpoint, _ = open_checkpoint(note, self.verifier)
        except NoteError as exc:
            self.report.add(min(size, self.report.size), f"checkpoint {size}: {exc}")
            return None
        if checkpoint.size != size or checkpoint.root != root:
            self.report.add(
                min(size, self.report.size),
                f"checkpoint {size}: the stored size or root differs from the signed note",
            )
        return checkpoint.size, checkpoint.root

    def _check_root(
        self, checkpoint: tuple[int, bytes], prefixes: dict[int, list[bytes]], good_until: int
    ) -> int:
        size, root = checkpoint
        if not self.tree_ok:
            return good_until
        if self._root_at(size, prefixes.get(size, [])) == root:
            return size
        self._tree_problem(
            good_until,
            size,
            f"the entries do not match signed checkpoint {size}: the first changed entry is in "
            f"{good_until}..{size - 1}",
        )
        self.tree_ok = False
        return good_until

    def _root_at(self, size: int, low: list[bytes]) -> bytes:
        """The root at ``size``: compact-range nodes of level 8 and up from the rebuilt upper
        tiles, those below from the level-0 tile the size ends in."""
        high = []
        for h in range(size.bit_length() - 1, TILE_HEIGHT - 1, -1):
            if size >> h & 1:
                tile_level, k = divmod(h, TILE_HEIGHT)
                level = self.upper[tile_level - 1]
                high.append(level.nodes[k][(size >> h) - 1 - (level.index << (TILE_HEIGHT - k))])
        return merkle.fold(high + low)

    # -- upper levels --------------------------------------------------------------------------

    def _push(self, tile_level: int, h: bytes) -> None:
        while len(self.upper) < tile_level:
            self.upper.append(_Level())
        level = self.upper[tile_level - 1]
        root = level.push(h)
        if root is None:
            return
        self._compare_upper(tile_level, level, TILE_WIDTH)
        self.upper[tile_level - 1] = _Level(level.index + 1)
        self._push(tile_level + 1, root)

    def _compare_upper(self, tile_level: int, level: _Level, width: int) -> None:
        span = TILE_WIDTH ** (tile_level + 1)
        first_leaf = level.index * span
        stored = self.read(
            lambda s: s.execute(
                select(TILES.c.width, TILES.c.nodes).where(
                    TILES.c.level == tile_level, TILES.c.idx == level.index
                )
            ).first()
        )
        name = f"tile {tile_level}/{level.index}"
        if stored is None:
            self._tree_problem(first_leaf, first_leaf + span, f"{name} is missing")
            return
        levels = [nodes[: width >> k] for k, nodes in enumerate(level.nodes)]
        if stored.width != width:
            self._tree_problem(first_leaf, first_leaf + span, f"{name} has the wrong width")
        elif bytes(stored.nodes) != tiles.encode_tile(levels):
            lo, hi = _first_bad_node(levels, width, bytes(stored.nodes), tile_level, level.index)
            self._tree_problem(lo, hi, f"{name}: stored nodes over entries {lo}..{hi - 1} differ")

    def _finish_upper(self, n: int) -> None:
        for tile_level, level in enumerate(self.upper, start=1):
            width = (n >> (TILE_HEIGHT * tile_level)) & (TILE_WIDTH - 1)
            if width:
                self._compare_upper(tile_level, level, width)


# -- queries ---------------------------------------------------------------------------------


def _checkpoint_rows(session: Session) -> list[tuple[int, bytes, str]]:
    from fairscreen.ledger.checkpoints import CHECKPOINTS

    rows = session.execute(
        select(CHECKPOINTS.c.size, CHECKPOINTS.c.root, CHECKPOINTS.c.note).order_by(
            CHECKPOINTS.c.size
        )
    ).all()
    return [(row.size, bytes(row.root), row.note) for row in rows]


def _chunk_rows(
    session: Session, first: int, last: int
) -> tuple[dict[int, tuple[int, bytes]], dict[int, tuple[int, bytes]]]:
    bundles = {
        row.idx: (row.n, bytes(row.data))
        for row in session.execute(
            select(BUNDLES.c.idx, BUNDLES.c.count.label("n"), BUNDLES.c.data).where(
                BUNDLES.c.idx >= first, BUNDLES.c.idx < last
            )
        )
    }
    level0 = {
        row.idx: (row.width, bytes(row.nodes))
        for row in session.execute(
            select(TILES.c.idx, TILES.c.width, TILES.c.nodes).where(
                TILES.c.level == 0, TILES.c.idx >= first, TILES.c.idx < last
            )
        )
    }
    return bundles, level0


def _load_rows(
    session: Session, mapper: Mapper[Any], ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    table = cast(Table, mapper.local_table)
    (pk,) = table.primary_key.columns
    out: dict[str, dict[str, Any]] = {}
    id_list = list(ids)
    needs_object = not hasattr(mapper.class_, "committed_fields_of")
    for start in range(0, len(id_list), 500):
        part = id_list[start : start + 500]
        if needs_object:
            for obj in session.scalars(select(mapper.class_).where(pk.in_(part))):
                key = str(getattr(obj, pk.key))
                out[key] = {"commitment_salt": obj.commitment_salt, "__object__": obj}
        else:
            for row in session.execute(select(table).where(pk.in_(part))):
                mapping = dict(row._mapping)
                out[str(mapping[pk.key])] = mapping
    return out


def _destroyed(session: Session, subjects: set[str]) -> set[str]:
    from fairscreen.retention.models import DestroyedSubject

    out: set[str] = set()
    items = list(subjects)
    for start in range(0, len(items), 500):
        out.update(
            session.scalars(
                select(DestroyedSubject.subject).where(
                    DestroyedSubject.subject.in_(items[start : start + 500])
                )
            )
        )
    return out


def _first_bad_node(
    levels: list[list[bytes]], width: int, nodes: bytes, tile_level: int, tile_index: int
) -> tuple[int, int]:
    """The entry range under the lowest, leftmost stored node of a tile that differs."""
    offsets = tiles.tile_level_offsets(width)
    span = TILE_WIDTH ** (tile_level + 1)
    if len(nodes) != offsets[-1]:
        return tile_index * span, (tile_index + 1) * span
    for k in range(TILE_HEIGHT):
        stored = tiles.hashes_of(nodes[offsets[k] : offsets[k + 1]])
        for position, (a, b) in enumerate(zip(levels[k], stored, strict=False)):
            if a != b:
                h = TILE_HEIGHT * tile_level + k
                index = (tile_index << (TILE_HEIGHT - k)) + position
                return index << h, (index + 1) << h
    return tile_index * span, (tile_index + 1) * span


def default_workers() -> int:
    """One worker per core (the CLI's default)."""
    return os.cpu_count() or 1
