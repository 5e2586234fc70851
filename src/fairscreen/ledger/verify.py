"""``fairscreen ledger verify``: recompute the whole log from its entries and check everything.

One streaming pass over the entry bundles, in index order, a chunk of bundles at a time (memory
does not grow with the log):

1. every entry is hashed; its leaf hash must equal the stored level-0 tile, and every stored
   tile (its interior included, at every level) must equal the one recomputed from the entries;
2. the root recomputed at the size of every signed checkpoint must equal the checkpoint's root,
   whose signature is checked with the log's public key; the root at the current size must
   equal the stored tree state; no signed checkpoint may be larger than the log;
3. with the ``Records`` the caller hands over (the committed tables and a lookup of destroyed
   subjects), every committed row names its entry (``ledger_index``): that entry must exist,
   be of a type the table accepts, be claimed by no other row, and carry the commitment
   recomputed from the row (``commit(row.commitment_salt, row.committed_fields())``); every
   entry with a ``"commitment"`` must be claimed by a row, unless its ``"subject"`` had their
   data destroyed lawfully (retention); and no row may name an index outside the log. So
   neither a committed column nor the link from a row to its entry can change unseen, and a
   deleted row (a revocation, say) is caught.

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
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import Column, Engine, Table, or_, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import NullType

from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Committed, make_engine, session_factory
from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.log import BUNDLES, TILES, read_state
from fairscreen.ledger.merkle import HASH_SIZE
from fairscreen.ledger.note import NoteError, Verifier, open_checkpoint
from fairscreen.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

T = TypeVar("T")
_COMMITMENT_MARK = b'"commitment"'
_MAX_PROBLEMS = 50
_MAX_FOUND_PER_CHUNK = 1000


@dataclass(frozen=True)
class Records:
    """What the verifier is handed to check the off-log records (it knows nothing of what the
    tables mean): the committed tables, and a lookup that says which of some ledger subjects had
    their data destroyed lawfully (a missing record of theirs is then expected). Both must be
    importable by name, so worker processes can receive them."""

    tables: tuple[type[Committed], ...]
    destroyed: Callable[[Session, Collection[str]], set[str]]


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
    records: Records | None,
) -> _Chunk:
    """Check bundles ``first .. last - 1`` of a log of ``size`` entries against their level-0
    tiles (and, with ``records``, the records that claim them)."""
    rows, tile_rows = read(functools.partial(_chunk_rows, first=first, last=last))
    chunk = _Chunk()
    chunk_entries: list[bytes] = []
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
            if records is not None and len(chunk_entries) == base - first * TILE_WIDTH:
                chunk_entries.extend(entries[:width])
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
    if records is not None and chunk_entries:
        # Entries up to the first gap (a missing bundle or entry is reported above).
        _records(read, chunk, first * TILE_WIDTH, chunk_entries, records)
    return chunk


def _records(
    read: _Reader, chunk: _Chunk, base: int, entries: list[bytes], records: Records
) -> None:
    """Check the rows that claim entries ``base .. base + len(entries) - 1`` and the entries
    that no row claims."""
    claims: dict[int, tuple[str, str | None, str | None]] = {}  # index -> type, commitment, subject
    for offset, entry in enumerate(entries):
        if _COMMITMENT_MARK not in entry:
            continue
        try:
            body = orjson.loads(entry)
        except orjson.JSONDecodeError:
            continue  # not a record entry (the log itself takes any bytes)
        if not isinstance(body, dict) or "commitment" not in body:
            continue
        commitment, subject, kind = body.get("commitment"), body.get("subject"), body.get("type")
        claims[base + offset] = (
            kind if isinstance(kind, str) else "",
            commitment if isinstance(commitment, str) else None,
            subject if isinstance(subject, str) else None,
        )
    hi = base + len(entries)
    claimed: set[int] = set()
    for table in records.tables:
        rows = read(functools.partial(_rows_in, table=table, lo=base, hi=hi))
        name = _table_name(table)
        for row in rows:
            index = row.index
            claim = claims.get(index)
            where = f"record {name}/{row.id}"
            if claim is None:
                chunk.add(
                    "record",
                    index,
                    0,
                    f"entry {index}: {where} names it, but it commits to no record",
                )
                continue
            kind, commitment, _ = claim
            if index in claimed:
                chunk.add(
                    "record",
                    index,
                    0,
                    f"entry {index}: claimed by more than one record ({where} among them)",
                )
                continue
            claimed.add(index)
            chunk.records += 1
            if kind not in table.__events__:
                chunk.add(
                    "record",
                    index,
                    0,
                    f"entry {index}: a {kind or 'typeless'} entry, "
                    f"but {where} takes only {', '.join(table.__events__)}",
                )
            elif row.problem is not None:
                chunk.add("record", index, 0, f"entry {index}: {where} {row.problem}")
            elif row.commitment != commitment:
                chunk.add(
                    "record", index, 0, f"entry {index}: {where} does not match its commitment"
                )
    missing = [(index, claim[2]) for index, claim in claims.items() if index not in claimed]
    if not missing:
        return
    subjects = {subject for _, subject in missing if subject}
    destroyed = read(lambda session: records.destroyed(session, subjects)) if subjects else set()
    for index, subject in sorted(missing):
        if subject is not None and subject in destroyed:
            chunk.records_destroyed += 1
        else:
            chunk.add(
                "record",
                index,
                0,
                f"entry {index}: its record is missing and its subject's data was not destroyed",
            )


@dataclass(frozen=True, slots=True)
class _Row:
    id: str
    index: int
    commitment: str | None  # recomputed from the row; None when a value does not load
    problem: str | None = None


def _table_name(table: type[Committed]) -> str:
    return str(getattr(table, "__tablename__", table.__name__))


def _columns(table: type[Committed]) -> tuple[Table, list[Column[Any]]]:
    core = cast(Table, table.__table__)  # type: ignore[attr-defined]
    (pk,) = core.primary_key.columns
    names = (pk.key, "ledger_index", "commitment_salt", *table.__committed__)
    return core, [core.c[name] for name in names]


def _rows_in(session: Session, table: type[Committed], lo: int, hi: int) -> list[_Row]:
    """The rows of ``table`` whose ``ledger_index`` is in ``lo .. hi - 1``, each with the
    commitment recomputed from its stored values. Values are read raw and converted column by
    column, so a value that does not load (an invalid date or JSON written into the database)
    is reported on its row, at its entry, instead of stopping the verification."""
    core, columns = _columns(table)
    dialect = session.get_bind().dialect
    processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
    raw = [type_coerce(c, NullType()).label(c.key) for c in columns]
    result = session.execute(
        select(*raw).where(core.c.ledger_index >= lo, core.c.ledger_index < hi)
    )
    out: list[_Row] = []
    names = [c.key for c in columns]
    for values in result:
        row_id, index = str(values[0]), int(cast(int, values[1]))
        loaded: dict[str, Any] = {}
        problem = None
        for name, value, process in zip(names, values, processors, strict=True):
            try:
                loaded[name] = (
                    process(value) if process is not None and value is not None else value
                )
            except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
                problem = f"cannot be read: column {name} holds an invalid value ({exc})"
                break
        commitment = None
        if problem is None:
            try:
                commitment = commit(
                    bytes(loaded["commitment_salt"]), table.committed_fields_of(loaded)
                )
            except (TypeError, ValueError) as exc:
                problem = f"cannot be opened ({exc})"
        out.append(_Row(row_id, index, commitment, problem))
    return out


def _stray_rows(session: Session, table: type[Committed], size: int) -> list[str]:
    """Ids of rows of ``table`` that name no entry of a log of ``size`` entries."""
    core, columns = _columns(table)
    index = core.c.ledger_index
    return [
        str(v)
        for v in session.scalars(
            select(columns[0]).where(or_(index.is_(None), index < 0, index >= size)).limit(5)
        )
    ]


# -- worker processes --------------------------------------------------------------------------

_worker_read: _Reader | None = None
_worker_records: Records | None = None


def _worker_init(url: str, inherited: Engine | None, records: Records | None) -> None:
    global _worker_read, _worker_records
    if inherited is not None:
        inherited.dispose(close=False)  # the parent's pooled connections stay the parent's
    _worker_read = _Reader(session_factory(make_engine(url, readonly=True)))  # reads only
    _worker_records = records


def _worker_scan(first: int, last: int, size: int, sizes: list[int]) -> _Chunk:
    assert _worker_read is not None
    return _scan(_worker_read, first, last, size, sizes, _worker_records)


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


@dataclass(frozen=True, slots=True)
class OutsideCheckpoint:
    """A checkpoint of this log held outside its database (a witness's state, a receipt, a
    regulator's copy), already checked against the log's key: the log must extend it."""

    size: int
    root: bytes
    source: str


def verify_log(
    source: Session | sessionmaker[Session],
    verifier: Verifier | None = None,
    *,
    outside: Sequence[OutsideCheckpoint] = (),
    records: Records | None = None,
    chunk: int = 64,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check the whole log; see the module docstring. ``verifier`` is the log's public key
    (checkpoint signatures are not checked without it). With ``records``, every committed row
    is checked against the entry it names and every entry against the row that claims it.
    ``workers > 1`` scans chunks in that many processes (only with a ``sessionmaker``)."""
    run = _Run(_Reader(source), verifier, records, max(1, chunk), workers, progress)
    run.outside = list(outside)
    return run.run()


class _Run:
    def __init__(
        self,
        read: _Reader,
        verifier: Verifier | None,
        records: Records | None,
        chunk: int,
        workers: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.read = read
        self.verifier = verifier
        self.records = records
        self.chunk = chunk
        self.workers = workers if isinstance(read.source, sessionmaker) else 1
        self.progress = progress
        self.report = VerifyReport()
        self.outside: list[OutsideCheckpoint] = []
        self.upper: list[_Level] = []  # tile levels 1, 2, ...
        self.tree_ok = True  # false once the recomputed tree cannot be trusted any more
        self.matched_before = 0  # the largest matched checkpoint size below the last matched
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
        signed: list[tuple[int, bytes, str]] = []
        for size, root, note in stored_checkpoints:
            checked = self._checkpoint(size, root, note)
            if checked is not None:
                signed.append((*checked, f"signed checkpoint {checked[0]}"))
        if signed:
            report.latest_checkpoint = max(c[0] for c in signed)
        signed.extend((c.size, c.root, f"checkpoint {c.size} ({c.source})") for c in self.outside)
        for size, _, label in signed:
            if size > n:
                report.add(
                    n,
                    f"the log has {n} entries but {label} was signed: "
                    f"entries {n}..{size - 1} are gone (rollback)",
                )
        pending = sorted((c for c in signed if 0 < c[0] <= n), key=lambda c: c[0])
        for size, root, label in signed:
            if size == 0 and root != merkle.EMPTY_ROOT:
                report.add(0, f"{label} does not carry the empty tree's root")
        sizes = [c[0] for c in pending] + [n]

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

        if self.records is not None:
            for table in self.records.tables:
                stray = self.read(functools.partial(_stray_rows, table=table, size=n))
                if stray:
                    report.add(
                        n,
                        f"record {_table_name(table)}/{stray[0]} (and {len(stray) - 1} more "
                        "shown at most 4) names no entry of the log",
                    )
        for problem in self.read(functools.partial(_rows_past_tree, size=n)):
            report.add(n, problem)
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
            for a, b in ranges:
                yield _scan(self.read, a, b, n, sizes, self.records)
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
            initargs=(url, inherited, self.records),
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
        self, checkpoint: tuple[int, bytes, str], prefixes: dict[int, list[bytes]], good_until: int
    ) -> int:
        size, root, label = checkpoint
        if not self.tree_ok:
            return good_until
        if self._root_at(size, prefixes.get(size, [])) == root:
            if size > good_until:
                self.matched_before = good_until
            return size
        # Another checkpoint of this very size may have matched (the database's, where an
        # outside one disagrees): the change is then below it, after the last smaller match.
        low = good_until if good_until < size else self.matched_before
        self._tree_problem(
            low,
            size,
            f"the entries do not match {label}: the first changed entry is in {low}..{size - 1}",
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


def _rows_past_tree(session: Session, size: int) -> list[str]:
    """Tile and bundle rows the tree of ``size`` has no place for (a row written past its right
    edge would be served and would block the append that reaches it)."""
    found = []
    bundles = (size + TILE_WIDTH - 1) // TILE_WIDTH
    for row in session.execute(
        select(BUNDLES.c.idx).where(BUNDLES.c.idx >= bundles).order_by(BUNDLES.c.idx).limit(3)
    ):
        found.append(f"entry bundle {row.idx} lies past the end of the log ({size} entries)")
    levels = tiles.tile_count_levels(size)
    for row in session.execute(
        select(TILES.c.level, TILES.c.idx)
        .order_by(TILES.c.level, TILES.c.idx)
        .where(
            or_(
                TILES.c.level >= levels,
                *[
                    (TILES.c.level == level)
                    & (
                        TILES.c.idx
                        >= (((size >> (TILE_HEIGHT * level)) + TILE_WIDTH - 1) >> TILE_HEIGHT)
                    )
                    for level in range(levels)
                ],
            )
        )
        .limit(3)
    ):
        found.append(f"tile {row.level}/{row.idx} lies past the tree of {size} entries")
    return found


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
