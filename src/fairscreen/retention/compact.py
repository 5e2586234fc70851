"""``fairscreen retention compact``: what fairscreen itself can do to get destroyed data out of
the database's files, beyond what each destruction does (``retention.erasure``).

SQLite: every destruction already zeroes what it frees and checkpoints the WAL; ``compact``
checkpoints again (one kept from completing by a reader finishes here) and removes what
``ANALYZE`` may have sampled from indexes over sealed or blind-index columns (``sqlite_stat4``,
in builds that have it).

PostgreSQL, in a maintenance window (``VACUUM (FULL)`` locks each table while it rewrites it):

1. every ``Sealed`` and ``BlindIndex`` column (``kit.db.secret_columns``) gets statistics
   target 0, so ``ANALYZE`` never samples it into ``pg_statistic`` (migration 0004 did this
   for the columns that existed then; this covers a column an operator reset);
2. planner statistics that such a column already has are removed: ``ALTER COLUMN ... TYPE
   bytea`` to its own type drops the column's ``pg_statistic`` rows without rewriting the table
   (``ANALYZE`` with target 0 leaves old rows in place: measured on PostgreSQL 15);
3. ``VACUUM (FULL, ANALYZE)`` of the tables destruction writes: they are rewritten into new
   files without the dead row versions (a plain ``VACUUM`` marks them free but leaves their
   bytes), and their statistics are taken again from the rows that are left;
4. ``VACUUM (FULL)`` of ``pg_catalog.pg_statistic`` (superuser only): the statistics rows
   replaced in 2 and 3 are dead tuples there, in its TOAST table too, until it is rewritten;
5. ``CHECKPOINT``, after which the server unlinks the old files.

Not reached: WAL segments already written, archived WAL and base backups. What protects them is
the KEK: rotate it and retire the old version (docs/retention.md, "Operator duties").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import DBAPIError

from fairscreen.kit.db import TRUNCATED, checkpoint, secret_columns
from fairscreen.retention.destroy import DELETED_TABLES

SNAPSHOT_WAIT = 30.0  # seconds to wait for older snapshots before vacuuming pg_statistic

# The tables a destruction rewrites or deletes from: where dead tuples of destroyed data lie.
COMPACT_TABLES: tuple[str, ...] = tuple(dict.fromkeys(DELETED_TABLES))


@dataclass
class CompactResult:
    tables: list[str] = field(default_factory=list)  # rewritten (PostgreSQL)
    targets_set: list[str] = field(default_factory=list)  # table.column given target 0 now
    statistics_cleared: list[str] = field(default_factory=list)  # table.column whose rows went
    catalog: str = "not needed"  # pg_statistic rewritten: "done" | "not needed" | why not
    checkpoint: str = ""  # SQLite: "truncated" | "busy"; PostgreSQL: "done" | why not
    snapshots: str = "none older"  # PostgreSQL: whether older snapshots ended before the rewrite

    @property
    def complete(self) -> bool:
        return (
            self.checkpoint in (TRUNCATED, "done")
            and self.catalog in ("done", "not needed")
            and self.snapshots == "none older"
        )


def compact(engine: Engine, *, checkpoint_wait: float | None = None) -> CompactResult:
    """Make the files stop holding old versions of destroyed data and planner samples of
    sealed or blind-index columns (see the module's docstring)."""
    if engine.dialect.name == "sqlite":
        return _compact_sqlite(engine, checkpoint_wait)
    return _compact_postgresql(engine, snapshot_wait=SNAPSHOT_WAIT)


def _compact_sqlite(engine: Engine, wait: float | None) -> CompactResult:
    if wait is None:
        from fairscreen.kit.settings import get_settings

        wait = get_settings().sqlite_checkpoint_wait
    result = CompactResult()
    secret = {(c.table.name, c.name) for c in secret_columns()}
    with engine.begin() as conn:
        has_stat4 = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'"
        ).first()
        if has_stat4:
            for table in inspect(conn).get_table_names():
                for index in inspect(conn).get_indexes(table):
                    columns = [str(c) for c in index["column_names"] if c]
                    if any((table, c) in secret for c in columns):
                        conn.exec_driver_sql(
                            "DELETE FROM sqlite_stat4 WHERE idx = ?", (index["name"],)
                        )
                        result.statistics_cleared += [f"{table}.{c}" for c in columns]
    result.checkpoint = checkpoint(engine, wait=wait) or TRUNCATED
    return result


def _wait_for_older_snapshots(conn: Connection, *, timeout: float) -> bool:
    """Wait until no other backend of the cluster holds a snapshot older than now (the horizon
    of what a catalog's VACUUM may remove is not limited to this database's backends); False
    when some still did at the deadline."""
    import time

    deadline = time.monotonic() + timeout
    started = conn.exec_driver_sql("SELECT clock_timestamp()").scalar_one()
    while time.monotonic() < deadline:
        older = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND backend_xmin IS NOT NULL "
            "AND coalesce(xact_start, backend_start) < %(t)s",
            {"t": started},
        ).scalar_one()
        if not older:
            return True
        time.sleep(0.05)
    return False


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _compact_postgresql(engine: Engine, *, snapshot_wait: float) -> CompactResult:
    result = CompactResult()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        present = set(inspect(conn).get_table_names())
        secret = [c for c in secret_columns() if c.table.name in present]
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        targets = {
            (row.relname, row.attname): row.attstattarget
            for row in conn.exec_driver_sql(
                "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0"
            )
        }
        sampled = {
            (row.tablename, row.attname)
            for row in conn.exec_driver_sql(
                "SELECT tablename, attname FROM pg_stats WHERE schemaname = %(s)s", {"s": schema}
            )
        }
        for column in secret:
            key = (column.table.name, column.name)
            table, name = _quote(conn, column.table.name), _quote(conn, column.name)
            if targets.get(key) != 0:
                conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {name} SET STATISTICS 0")
                result.targets_set.append(".".join(key))
            if key in sampled:
                sql_type = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {sql_type}")
                result.statistics_cleared.append(".".join(key))
        tables = sorted({*COMPACT_TABLES, *(c.table.name for c in secret)} & present)
        # VACUUM (FULL) copies every row version an open snapshot may still see (a transaction
        # begun before the destruction committed, an autovacuum worker's ANALYZE): wait,
        # bounded, for those to end first, or the rewritten file keeps the destroyed rows.
        if not _wait_for_older_snapshots(conn, timeout=snapshot_wait):
            result.snapshots = "older snapshots still open: run compact again when they end"
        for name in tables:
            conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {_quote(conn, name)}")
            result.tables.append(name)
        superuser = conn.exec_driver_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).scalar()
        if superuser:
            # VACUUM (FULL) keeps the row versions an open snapshot may still see (an
            # autovacuum worker, another session's transaction, in any database of the
            # cluster): wait, bounded, for the snapshots older than this point to end, so the
            # old statistics rows really go.
            if _wait_for_older_snapshots(conn, timeout=snapshot_wait):
                conn.exec_driver_sql("VACUUM (FULL) pg_catalog.pg_statistic")
                result.catalog = "done"
            else:
                result.catalog = (
                    "not run: another session kept a snapshot older than the destruction for "
                    f"{snapshot_wait:.0f} s; run compact again when it ends"
                )
        else:
            result.catalog = (
                "not run (needs a superuser): ANALYZE leaves old statistics rows in "
                "pg_statistic until a superuser runs `VACUUM (FULL) pg_catalog.pg_statistic`"
            )
        try:
            conn.exec_driver_sql("CHECKPOINT")
            result.checkpoint = "done"
        except DBAPIError as exc:  # needs superuser or pg_checkpoint; the server checkpoints anyway
            result.checkpoint = (
                f"not run ({type(exc).__name__}): the next automatic checkpoint unlinks the old "
                "files"
            )
    return result
