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

Problems are reported with the index of the first entry they concern; the report's
``first_bad_index`` is the smallest. Reading is done in short transactions when given a
``sessionmaker`` (so a long verification never holds the database), or inside one given session.
"""

from __future__ import annotations

import binascii
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import Table, select
from sqlalchemy.orm import Mapper, Session, sessionmaker

from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Base
from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.log import BUNDLES, TILES, read_state
from fairscreen.ledger.merkle import HASH_SIZE
from fairscreen.ledger.note import NoteError, Verifier, open_checkpoint
from fairscreen.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

T = TypeVar("T")
_RECORD_MARK = b'"record"'
_MAX_PROBLEMS = 50


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
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(index, message))
        else:
            worst = max(range(len(self.problems)), key=lambda i: self.problems[i].index)
            if index < self.problems[worst].index:
                self.problems[worst] = Problem(index, message)
            self.more_problems += 1

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


def _committed_tables() -> dict[str, Mapper[Any]]:
    import fairscreen.models  # noqa: F401  (registers every table)

    out: dict[str, Mapper[Any]] = {}
    for mapper in Base.registry.mappers:
        table = getattr(mapper.class_, "__tablename__", None)
        if table and hasattr(mapper.class_, "committed_fields"):
            out[table] = mapper
    return out


def verify_log(
    source: Session | sessionmaker[Session],
    verifier: Verifier | None = None,
    *,
    check_records: bool = True,
    chunk: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check the whole log; see the module docstring. ``verifier`` is the log's public key
    (checkpoint signatures are not checked without it)."""
    return _Run(_Reader(source), verifier, check_records, chunk, progress).run()


class _Run:
    def __init__(
        self,
        read: _Reader,
        verifier: Verifier | None,
        check_records: bool,
        chunk: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.read = read
        self.verifier = verifier
        self.check_records = check_records
        self.chunk = max(1, chunk)
        self.progress = progress
        self.report = VerifyReport()
        self.upper: list[_Level] = []  # tile levels 1, 2, ...
        self.tables = _committed_tables() if check_records else {}
        self.tree_ok = True  # false once the recomputed tree cannot be trusted any more
        self._last_levels: list[list[bytes]] = []
        self._tree_marks: list[int] = []  # indices of problems that explain a changed tree

    def _entry_problem(self, index: int, message: str) -> None:
        """A problem with the entries themselves: it explains any mismatch above it."""
        self._tree_marks.append(index)
        self.report.add(index, message)

    def _tree_problem(self, lo: int, hi: int, message: str) -> None:
        """A stored hash or signed root over entries ``lo .. hi - 1`` that the entries do not
        give. If an entry problem in that range was already named, it is the cause: the index
        stays the precise one. Otherwise the range is all we know; its start is reported."""
        if any(lo <= mark < hi for mark in self._tree_marks):
            return
        self._tree_marks.append(lo)
        self.report.add(lo, message)

    def _check_root(
        self, checkpoint: tuple[int, bytes], j: int, levels: list[list[bytes]], good_until: int
    ) -> int:
        size, root = checkpoint
        if not self.tree_ok or size == 0:
            return good_until
        if self._root_at(size, j, levels) == root:
            return size
        self._tree_problem(
            good_until,
            size,
            f"the entries do not match signed checkpoint {size}: the first changed entry is in "
            f"{good_until}..{size - 1}",
        )
        self.tree_ok = False
        return good_until

    # -- driver ------------------------------------------------------------------------------

    def run(self) -> VerifyReport:
        report = self.report
        head = self.read(read_state)
        report.size, report.root = head.size, head.root
        n = head.size
        checkpoints = self.read(_checkpoint_rows)
        report.checkpoints = len(checkpoints)
        signed: list[tuple[int, bytes]] = []
        for size, root, note in checkpoints:
            checked = self._checkpoint(size, root, note)
            if checked is not None:
                signed.append(checked)
        if signed:
            report.latest_checkpoint = signed[-1][0]
        for size, _ in signed:
            if size > n:
                report.add(
                    n,
                    f"the log has {n} entries but checkpoint {size} was signed: "
                    f"entries {n}..{size - 1} are gone (rollback)",
                )
        pending = [c for c in signed if c[0] <= n]
        good_until = 0

        bundles = (n + TILE_WIDTH - 1) // TILE_WIDTH
        for first in range(0, bundles, self.chunk):
            last = min(bundles, first + self.chunk)
            rows, tile_rows = self.read(functools.partial(_chunk_rows, first=first, last=last))
            for j in range(first, last):
                width = min(TILE_WIDTH, n - j * TILE_WIDTH)
                end = j * TILE_WIDTH + width
                levels = self._bundle(j, width, rows.get(j), tile_rows.get(j))
                if levels is None:
                    continue
                self._last_levels = levels
                # Roots inside this tile first, then the tile's root goes up, then a root at its
                # very end (which may need it).
                while pending and pending[0][0] < end:
                    good_until = self._check_root(pending.pop(0), j, levels, good_until)
                if width == TILE_WIDTH:
                    self._push(1, merkle.node_hash(levels[-1][0], levels[-1][1]))
                while pending and pending[0][0] == end:
                    good_until = self._check_root(pending.pop(0), j, levels, good_until)
            if self.progress is not None:
                self.progress(min(n, last * TILE_WIDTH), n)
        for size, root in pending:  # size 0 (empty tree)
            if size == 0 and root != merkle.EMPTY_ROOT:
                report.add(0, "checkpoint 0 does not carry the empty tree's root")

        self._finish_upper(n)
        if self.tree_ok and n > 0:
            recomputed = self._final_root(n)
            if recomputed != head.root:
                self._tree_problem(
                    good_until, n, "the stored tree state's root is not the root of the entries"
                )
        elif n == 0 and head.root != merkle.EMPTY_ROOT:
            report.add(0, "the empty log's stored root is not SHA-256 of nothing")
        return report

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

    # -- level 0 -----------------------------------------------------------------------------

    def _bundle(
        self,
        j: int,
        width: int,
        bundle: tuple[int, bytes] | None,
        tile: tuple[int, bytes] | None,
    ) -> list[list[bytes]] | None:
        report = self.report
        base = j * TILE_WIDTH
        entries: list[bytes] = []
        if bundle is None:
            self._entry_problem(
                base, f"entries {base}..{base + width - 1}: entry bundle {j} is missing"
            )
        else:
            count, data = bundle
            try:
                entries = tiles.decode_bundle(data)
            except tiles.TileError as exc:
                entries = _decodable_prefix(data)
                self._entry_problem(base + len(entries), f"entry bundle {j}: {exc}")
            if count != len(entries) and len(entries) == width:
                self._entry_problem(
                    base, f"entry bundle {j}: says {count} entries, holds {len(entries)}"
                )
            if len(entries) < width:
                self._entry_problem(base + len(entries), f"entry {base + len(entries)} is missing")
        if len(entries) > width:
            self._entry_problem(
                base + width, f"entry bundle {j} holds {len(entries)} entries, expected {width}"
            )
            entries = entries[:width]
        report.entries += len(entries)
        leaves = merkle.leaf_hashes(entries)

        stored = b""
        if tile is None:
            self._tree_problem(base, base + width, f"tile 0/{j} is missing")
        elif tile[0] != width:
            self._tree_problem(
                base, base + width, f"tile 0/{j} has width {tile[0]}, expected {width}"
            )
        else:
            stored = tile[1][: width * HASH_SIZE]
        if stored:
            joined = b"".join(leaves)
            if joined != stored[: len(joined)]:
                for i, leaf in enumerate(leaves):
                    if leaf != stored[i * HASH_SIZE : (i + 1) * HASH_SIZE]:
                        self._entry_problem(
                            base + i, f"entry {base + i} does not match its leaf hash"
                        )
                        break
        if len(entries) < width:
            if len(stored) == width * HASH_SIZE:
                stored_leaves = tiles.hashes_of(stored)
                # Keep rebuilding the tree from the stored leaves to find further problems.
                leaves = leaves + stored_leaves[len(leaves) :]
            else:
                self.tree_ok = False

        if self.check_records:
            self._records(base, entries)
        if not self.tree_ok or len(leaves) != width:
            return None

        levels = [leaves]
        for _ in range(TILE_HEIGHT - 1):
            levels.append(merkle.pair_up(levels[-1]))
        if tile is not None and tile[0] == width:
            expected = tiles.encode_tile(levels)
            if expected != tile[1]:
                lo, hi = _first_bad_node(levels, tile[0], tile[1], 0, j)
                self._tree_problem(
                    lo, hi, f"tile 0/{j}: stored nodes over entries {lo}..{hi - 1} differ"
                )
        return levels

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
        first_leaf = level.index * TILE_WIDTH ** (tile_level + 1)
        stored = self.read(
            lambda s: s.execute(
                select(TILES.c.width, TILES.c.nodes).where(
                    TILES.c.level == tile_level, TILES.c.idx == level.index
                )
            ).first()
        )
        span = TILE_WIDTH ** (tile_level + 1)
        if stored is None:
            self._tree_problem(
                first_leaf, first_leaf + span, f"tile {tile_level}/{level.index} is missing"
            )
            return
        levels = [nodes[: width >> k] for k, nodes in enumerate(level.nodes)]
        if stored.width != width:
            self._tree_problem(
                first_leaf,
                first_leaf + span,
                f"tile {tile_level}/{level.index} has the wrong width",
            )
        elif bytes(stored.nodes) != tiles.encode_tile(levels):
            lo, hi = _first_bad_node(levels, width, bytes(stored.nodes), tile_level, level.index)
            self._tree_problem(
                lo,
                hi,
                f"tile {tile_level}/{level.index}: stored nodes over entries {lo}..{hi - 1} differ",
            )

    def _finish_upper(self, n: int) -> None:
        if not self.tree_ok:
            return
        for tile_level, level in enumerate(self.upper, start=1):
            width = (n >> (TILE_HEIGHT * tile_level)) & (TILE_WIDTH - 1)
            if width:
                self._compare_upper(tile_level, level, width)

    # -- roots ---------------------------------------------------------------------------------

    def _node(self, h: int, index: int, j: int, levels: list[list[bytes]]) -> bytes:
        tile_level, k = divmod(h, TILE_HEIGHT)
        if tile_level == 0:
            return levels[k][index - (j << (TILE_HEIGHT - k))]
        level = self.upper[tile_level - 1]
        return level.nodes[k][index - (level.index << (TILE_HEIGHT - k))]

    def _root_at(self, size: int, j: int, levels: list[list[bytes]]) -> bytes:
        nodes = [
            self._node(h, (size >> h) - 1, j, levels)
            for h in range(size.bit_length() - 1, -1, -1)
            if size >> h & 1
        ]
        return merkle.fold(nodes)

    def _final_root(self, n: int) -> bytes:
        return self._root_at(n, (n - 1) >> TILE_HEIGHT, self._last_levels)

    # -- records -------------------------------------------------------------------------------

    def _records(self, base: int, entries: list[bytes]) -> None:
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
            record, commitment = body.get("record"), body.get("commitment")
            subject = body.get("subject")
            if not isinstance(record, str) or "/" not in record or not isinstance(commitment, str):
                self.report.add(index, f"entry {index}: malformed record reference")
                continue
            table, row_id = record.split("/", 1)
            if table not in self.tables:
                self.report.add(
                    index, f"entry {index}: record table {table!r} is not a committed table"
                )
                continue
            wanted[table].append(
                (index, row_id, commitment, subject if isinstance(subject, str) else None)
            )
        for table, refs in wanted.items():
            self._check_table(table, refs)

    def _check_table(self, table: str, refs: list[tuple[int, str, str, str | None]]) -> None:
        mapper = self.tables[table]
        cls = mapper.class_
        found = self.read(lambda s: _load_rows(s, mapper, {r[1] for r in refs}))
        missing: list[tuple[int, str, str | None]] = []
        for index, row_id, commitment, subject in refs:
            row = found.get(row_id)
            if row is None:
                missing.append((index, row_id, subject))
                continue
            self.report.records += 1
            try:
                fields = (
                    cls.committed_fields_of(row)
                    if hasattr(cls, "committed_fields_of")
                    else row["__object__"].committed_fields()
                )
                actual = commit(bytes(row["commitment_salt"]), fields)
            except (KeyError, TypeError, ValueError, binascii.Error) as exc:
                self.report.add(
                    index, f"entry {index}: record {table}/{row_id} cannot be opened ({exc})"
                )
                continue
            if actual != commitment:
                self.report.add(
                    index, f"entry {index}: record {table}/{row_id} does not match its commitment"
                )
        if missing:
            subjects = {s for _, _, s in missing if s}
            destroyed = self.read(lambda s: _destroyed(s, subjects)) if subjects else set()
            for index, row_id, subject in missing:
                if subject is not None and subject in destroyed:
                    self.report.records_destroyed += 1
                else:
                    self.report.add(
                        index,
                        f"entry {index}: record {table}/{row_id} is missing and its subject's "
                        "data was not destroyed",
                    )


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


def _decodable_prefix(data: bytes) -> list[bytes]:
    out = []
    try:
        for entry in tiles.iter_bundle(data):
            out.append(entry)
    except tiles.TileError:
        pass
    return out


def _first_bad_node(
    levels: list[list[bytes]], width: int, nodes: bytes, tile_level: int, tile_index: int
) -> tuple[int, int]:
    """The entry range under the lowest, leftmost stored node of a tile that differs."""
    offsets = tiles.tile_level_offsets(width)
    if len(nodes) != offsets[-1]:
        span = TILE_WIDTH ** (tile_level + 1)
        return tile_index * span, (tile_index + 1) * span
    for k in range(TILE_HEIGHT):
        stored = tiles.hashes_of(nodes[offsets[k] : offsets[k + 1]])
        for position, (a, b) in enumerate(zip(levels[k], stored, strict=False)):
            if a != b:
                h = TILE_HEIGHT * tile_level + k
                index = (tile_index << (TILE_HEIGHT - k)) + position
                return index << h, (index + 1) << h
    span = TILE_WIDTH ** (tile_level + 1)
    return tile_index * span, (tile_index + 1) * span
