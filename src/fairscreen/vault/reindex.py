"""Blind-index secret rotation: a new index secret, every blind index rebuilt under it, the old
secret retired (``fairscreen keys rotate --index``).

Why rotate: a blind index is a keyed hash of a person's ID number. Anyone holding a copy of the
database (a backup, a stolen disk) and the index secret can confirm a guessed ID number against
it, even for people erased since, whose indexes survive in that copy. Rotating the secret and
destroying the old one makes every old copy of the indexes unconfirmable.

How, so that a ``kill -9`` at any moment loses nothing and lookups keep finding everyone:

1. A new index secret is made, durably, and made current (in every process within seconds: new
   rows are indexed under it). Its check value is recorded in the database.
2. The rows of every registered blind-indexed table (``fairscreen.vault.blind``) still under an
   older secret are taken in primary-key order, in batches. For each row the values behind the
   indexes are opened with the row's data key (the ID number is sealed under it), the indexes
   recomputed under the new secret, and, in one short transaction per batch, each row's indexes
   and its ``blind_index_version`` are updated together, only if the row is still as read. So
   every row is always under exactly one secret, the one it names.
3. While this runs both secrets are live and a lookup hashes the value under each
   (``Vault.lookup_indexes``): a row is found whichever secret it is under.
4. When no row is left under an older secret, the older secrets are destroyed (dropped from the
   key file, ``C_DestroyObject`` on the token) and their records marked retired; a last pass
   rebuilds any row a process still on the old secret wrote meanwhile (the rebuild never needs
   the old secret: it recomputes from the sealed value).

Run again after an interruption, it finishes the same rotation (no new secret while an older one
is still live, recorded, or indexing rows).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, func, inspect, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of, transaction
from fairscreen.kit.errors import FairscreenError
from fairscreen.vault import bindings
from fairscreen.vault.blind import VERSION_COLUMN, BlindIndexed, registered
from fairscreen.vault.core import SealError, Vault
from fairscreen.vault.keys import KeyProviderError, index_check_value
from fairscreen.vault.models import DataKey

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500
_KEEP_FAILURES = 20
_DATA_KEYS = table_of(DataKey)


class ReindexError(FairscreenError):
    """A blind-index rotation that cannot start or finish."""


class ReindexProgress(Protocol):
    def start(self, version: int, total: int, *, resumed: bool) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass
class ReindexResult:
    version: int
    created: bool = False  # a new index secret was made for this run
    rebuilt: int = 0
    vanished: int = 0  # erased or changed by someone else while we worked
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (table/id, why), first few
    retired: list[int] = field(default_factory=list)

    def add(self, other: ReindexResult) -> None:
        self.rebuilt += other.rebuilt
        self.vanished += other.vanished
        self.failed += other.failed
        self.failures.extend(other.failures[: _KEEP_FAILURES - len(self.failures)])


def _indexed(spec: BlindIndexed) -> Any:
    table = spec.table
    return or_(*(table.c[c].is_not(None) for c in spec.columns))


def pending(sessions: sessionmaker[Session], version: int) -> int:
    """How many rows have a blind index not (yet) under index secret ``version``."""
    total = 0
    with sessions() as session:
        for spec in registered():
            table = spec.table
            total += int(
                session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c[spec.version_column] != version, _indexed(spec))
                )
                or 0
            )
    return total


def check_registry(sessions: sessionmaker[Session]) -> list[BlindIndexed]:
    """The registered tables, after checking that the database has no blind-indexed table (one
    with a ``blind_index_version`` column) that nobody registered: its indexes would be left
    under a secret about to be destroyed."""
    specs = registered()
    known = {spec.name for spec in specs}
    with sessions() as session:
        inspector = inspect(session.connection())
        for name in inspector.get_table_names():
            columns = {c["name"] for c in inspector.get_columns(name)}
            if VERSION_COLUMN in columns and name not in known:
                raise ReindexError(
                    f"table {name} has blind indexes ({VERSION_COLUMN}) but none is registered "
                    "in fairscreen.vault.blind; refusing to rotate (its indexes would be lost)"
                )
    if not specs:
        raise ReindexError("no blind-indexed table is registered (import fairscreen.models)")
    return specs


def rotate_index(
    sessions: sessionmaker[Session],
    vault: Vault,
    *,
    new_version: bool | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: ReindexProgress | None = None,
    now: datetime | None = None,
) -> ReindexResult:
    """Rotate the blind-index secret (see the module docstring).

    With ``new_version=None`` (what the command does) a new secret is made only if the last
    rotation finished; otherwise that one is finished. ``True`` forces a new secret."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    check_registry(sessions)
    provider = vault.provider
    current = provider.current_index_version()
    live = provider.index_versions()
    with sessions() as session:
        recorded = bindings.dependents(session).live(bindings.INDEX)
    waiting = pending(sessions, current)
    unfinished = (
        waiting > 0
        or live != [current]
        or any(b.name != bindings.index_name(current) for b in recorded)
    )
    created = False
    if new_version or (new_version is None and not unfinished):
        current = provider.new_index_version()
        created = True
        waiting = pending(sessions, current)
    # The new secret is on disk (or the token) already; record it before any index uses it.
    with transaction(sessions) as session:
        bindings.record(
            session,
            bindings.INDEX,
            bindings.index_name(current),
            index_check_value(provider.index_key(current)),
            provider.name,
            now or utcnow(),
        )
    if progress is not None:
        progress.start(current, waiting, resumed=not created)
    log.info(
        "rebuilding %d blind indexes under index secret %d (%s)",
        waiting,
        current,
        "new secret" if created else "resumed",
    )
    result = rebuild(sessions, vault, current, batch_size=batch_size, progress=progress)
    result.created = created
    if result.failed:
        log.warning("%d blind indexes not rebuilt; older index secrets kept", result.failed)
        return result
    for old in provider.index_versions():
        if old != current:
            provider.retire_index(old)
            result.retired.append(old)
    with transaction(sessions) as session:
        for binding in bindings.dependents(session).live(bindings.INDEX):
            if binding.name != bindings.index_name(current):
                bindings.retire(session, bindings.INDEX, binding.name, now or utcnow())
    # Rows a process still on an older secret wrote while we worked: rebuilt from their sealed
    # values (the old secret is not needed for that).
    result.add(rebuild(sessions, vault, current, batch_size=batch_size))
    log.info(
        "index secret %d: %d blind indexes rebuilt, %d gone meanwhile, %d failed; retired %s",
        current,
        result.rebuilt,
        result.vanished,
        result.failed,
        result.retired or "none",
    )
    return result


def rebuild(
    sessions: sessionmaker[Session],
    vault: Vault,
    version: int,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: ReindexProgress | None = None,
) -> ReindexResult:
    """Move every blind index not under ``version`` to it, one committed batch at a time. Rows
    whose sealed values do not open are counted in ``failed`` and left as they are."""
    result = ReindexResult(version)
    for spec in registered():
        _rebuild_table(sessions, vault, spec, version, batch_size, progress, result)
    return result


def _rebuild_table(
    sessions: sessionmaker[Session],
    vault: Vault,
    spec: BlindIndexed,
    version: int,
    batch_size: int,
    progress: ReindexProgress | None,
    result: ReindexResult,
) -> None:
    table = spec.table
    version_col = table.c[spec.version_column]
    key_col = table.c[spec.data_key_column]
    guarded = (
        update(table)
        .where(
            and_(
                table.c.id == bindparam("r_id"),
                version_col == bindparam("r_old"),
                key_col == bindparam("r_key"),
            )
        )
        .values({version_col.name: version, **{c: bindparam(f"r_{c}") for c in spec.columns}})
    )
    query = (
        select(
            table.c.id,
            version_col.label("r_version"),
            key_col.label("r_key"),
            _DATA_KEYS.c.kek_version,
            _DATA_KEYS.c.wrapped,
            *(table.c[c] for c in spec.sealed),
            *(table.c[c].label(f"old_{c}") for c in spec.columns),
        )
        .outerjoin(_DATA_KEYS, _DATA_KEYS.c.id == key_col)
        .where(version_col != version, _indexed(spec))
        .order_by(table.c.id)
        .limit(batch_size)
    )
    after = ""
    while True:
        # Read and recompute with no transaction open, then write in a short one: the write
        # lock (all of SQLite, or the rows in PostgreSQL) is held for the UPDATE only.
        with sessions() as session:
            rows = session.execute(query.where(table.c.id > after)).all()
        if not rows:
            return
        after = rows[-1].id
        updates = []
        for row in rows:
            try:
                updates.append(_recompute(vault, spec, row, version))
            except (KeyProviderError, SealError, ReindexError) as exc:
                result.failed += 1
                if len(result.failures) < _KEEP_FAILURES:
                    result.failures.append((f"{spec.name}/{row.id}", str(exc)))
        if updates:
            with transaction(sessions) as session:
                outcome = session.execute(guarded, updates)
                done = len(updates)
                if session.get_bind().dialect.supports_sane_multi_rowcount:
                    done = max(0, int(getattr(outcome, "rowcount", done)))
            result.rebuilt += done
            result.vanished += len(updates) - done
        if progress is not None:
            progress.advance(len(rows))


def _recompute(vault: Vault, spec: BlindIndexed, row: Any, version: int) -> dict[str, Any]:
    if row.wrapped is None:
        raise ReindexError("has a blind index but no data key to open its value with")
    sealer = vault.sealer(row.r_key, row.kek_version, bytes(row.wrapped))
    opened: Mapping[str, bytes] = {
        column: sealer.open(spec.name, column, row.id, bytes(value))
        for column in spec.sealed
        if (value := getattr(row, column)) is not None
    }
    params: dict[str, Any] = {"r_id": row.id, "r_old": row.r_version, "r_key": row.r_key}
    for column, derive in spec.columns.items():
        if getattr(row, f"old_{column}") is None:
            params[f"r_{column}"] = None
            continue
        try:
            source = derive(opened)
        except (KeyError, ValueError, TypeError) as exc:
            raise ReindexError(f"{column}: its value cannot be read back ({exc!r})") from None
        params[f"r_{column}"] = (
            None
            if source is None
            else vault.blind_index(
                source.kind, source.value, canonical=source.canonical, version=version
            )
        )
    return params


def versions_in_use(sessions: sessionmaker[Session]) -> dict[int, int]:
    """Rows with blind indexes, per index secret version (for ``fairscreen keys status``)."""
    with sessions() as session:
        return bindings.dependents(session).indexed


def summary(result: ReindexResult) -> Sequence[str]:
    lines = [
        f"{'new ' if result.created else ''}index secret {result.version}: "
        f"{result.rebuilt} blind indexes rebuilt"
        + (f", {result.vanished} erased meanwhile" if result.vanished else "")
    ]
    if result.retired:
        lines.append(
            "retired index secret " + ", ".join(str(v) for v in result.retired) + " (destroyed)"
        )
    return lines
