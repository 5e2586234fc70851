"""Destroy, then make it durable: the one way fairscreen destroys personal data.

Every destruction (the sweep, a deletion request from the CLI, the API or the scheduler) runs
its transactions inside ``erasing(engine)``, and ``destroy.destroy_batch`` refuses a session
that is not one of them. When the block ends, after the last commit and before anything is
reported (a certificate, ``done``):

- SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)``. Every connection runs with ``secure_delete``
  (``kit.db.make_engine``), so the destroying transaction wrote zeroed pages to the
  write-ahead log; the checkpoint copies them over the old pages of the main file and cuts the
  log, which still held the page images written at screening time, to zero bytes. If a reader
  keeps it from completing within ``FAIRSCREEN_SQLITE_CHECKPOINT_WAIT`` seconds, the erasure
  says so (``durability`` is ``wal_pending``): the CLI warns and exits 6, the API answers
  ``"durability": "wal_pending"``, a warning is logged, a running ``serve`` retries it
  (``kit.db.CheckpointRetrier``) and checkpoints again when it stops.
- PostgreSQL: nothing can be done inside a transaction's reach: old row versions stay in the
  table files until ``fairscreen retention compact`` and in the WAL until the KEK that wrapped
  the data keys is retired (docs/retention.md); ``durability`` is ``compact_pending``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from fairscreen.kit.db import TRUNCATED, checkpoint

log = logging.getLogger(__name__)

CLEAN = "clean"  # SQLite: checkpointed into the main file, the WAL cut to zero bytes
WAL_PENDING = "wal_pending"  # SQLite: a reader kept the checkpoint from completing; retried
COMPACT_PENDING = "compact_pending"  # PostgreSQL: until `retention compact` and KEK retirement
_INFO_KEY = "fairscreen.erasure"
# A connection's own settings for a whole erasure (the sweep's: see ``sweep.py``).
Pragmas = tuple[tuple[str, int], ...]


@dataclass
class Erasure:
    """The erasure in progress on one connection; ``durability`` is set when it ends."""

    connection: Connection
    checkpoint_wait: float
    destroyed: int = 0  # candidates destroyed in committed transactions
    durability: str | None = None  # None: nothing was destroyed

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction of the erasure: commits at the end of the block, or rolls back."""
        with Session(bind=self.connection, expire_on_commit=False) as session:
            session.info[_INFO_KEY] = self
            with session.begin():
                if self.connection.dialect.name == "sqlite":
                    session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
                yield session
            self.destroyed += int(session.info.pop("fairscreen.erasure.destroyed", 0))

    @property
    def durable(self) -> bool:
        """True once nothing destroyed survives in a file fairscreen can reach (SQLite)."""
        return self.durability in (None, CLEAN)


def record_destruction(session: Session, candidates: int) -> None:
    """Called by ``destroy_batch``: ``candidates`` are destroyed in this session's transaction.
    Refuses a session that is not an erasure's, so no destruction can skip the final step."""
    if not isinstance(session.info.get(_INFO_KEY), Erasure):
        raise RuntimeError(
            "personal data is destroyed only inside retention.erasure.erasing(): "
            "it makes the destruction durable before it is reported"
        )
    key = "fairscreen.erasure.destroyed"
    session.info[key] = int(session.info.get(key, 0)) + candidates


def _sqlite_pragmas(conn: Connection, pragmas: Pragmas) -> list[tuple[str, int]]:
    """Set ``pragmas`` on the DB-API connection (outside any transaction, where SQLite honours
    them); return the previous values to put back."""
    saved: list[tuple[str, int]] = []
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for pragma, value in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
            row = cursor.fetchone()
            if row is not None:
                saved.append((pragma, int(row[0])))
            cursor.execute(f"PRAGMA {pragma}={value}")
    finally:
        cursor.close()
    return saved


@contextmanager
def erasing(
    engine: Engine, *, pragmas: Pragmas = (), checkpoint_wait: float | None = None
) -> Iterator[Erasure]:
    """Destroy inside the block (``erasure.transaction()``, then ``destroy_batch``); when it
    ends, also by an error after some transaction committed, make what was destroyed durable.
    ``pragmas``: SQLite settings for this connection, put back afterwards (it returns to the
    pool). ``checkpoint_wait`` defaults to ``FAIRSCREEN_SQLITE_CHECKPOINT_WAIT``."""
    if checkpoint_wait is None:
        from fairscreen.kit.settings import get_settings

        checkpoint_wait = get_settings().sqlite_checkpoint_wait
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        saved = _sqlite_pragmas(conn, pragmas) if sqlite and pragmas else []
        erasure = Erasure(conn, checkpoint_wait)
        try:
            yield erasure
        finally:
            if saved:
                _sqlite_pragmas(conn, tuple(saved))
            if erasure.destroyed:
                erasure.durability = _make_durable(conn, checkpoint_wait)


def _make_durable(conn: Connection, wait: float) -> str:
    if conn.dialect.name != "sqlite":
        return COMPACT_PENDING
    if checkpoint(conn, wait=wait) == TRUNCATED:
        return CLEAN
    log.warning(
        "retention: destroyed data is still in the SQLite WAL (a reader kept the checkpoint "
        "from completing in %.0f s); it is retried (serve, its shutdown, `retention compact`)",
        wait,
    )
    return WAL_PENDING
