"""The one database layer: SQLAlchemy 2 engine, sessions, the declarative base, migrations.

SQLite is the embedded default, PostgreSQL the production database; both go through the same
URL (``FAIRSCREEN_DATABASE_URL``). The schema is owned by Alembic migrations shipped inside the
package (``fairscreen/migrations``); ``upgrade`` brings any database to the head revision.

A SQLite database is created with mode 0600 in a directory created 0700 (its ``-wal`` and
``-shm`` files take the database's mode), refused with a message naming the file when an
operator loosened them, and every connection zeroes what it frees (``secure_delete``).
``checkpoint`` moves the write-ahead log into the main file and cuts it to zero bytes: after
personal data is destroyed, that is what takes the old page images out of the files.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar, cast

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Dialect,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

from fairscreen.kit.errors import ConfigError, ExitCode, FairscreenError
from fairscreen.kit.files import check_private, create_private_file
from fairscreen.kit.periodic import Periodic

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SchemaError(FairscreenError):
    """A database whose schema or contents the packaged migrations cannot bring to head."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Committed:
    """A table whose rows the ledger commits to.

    ``__committed__`` names the columns the commitment covers and ``__events__`` the ledger event
    types that may commit to a row of the table. Every row keeps its own ``commitment_salt`` (see
    ``fairscreen.kit.commitment``) and the index of the entry that commits to it
    (``ledger_index``): ``fairscreen.ledger.record`` fills both, and the ledger's verifier checks
    each row against the entry at its index, so neither column can be changed unseen. Rows are
    never updated in their committed columns: a change is a new row with its own entry."""

    __committed__: ClassVar[tuple[str, ...]] = ()
    __events__: ClassVar[tuple[str, ...]] = ()

    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    ledger_index: Mapped[int] = mapped_column(BigInteger, unique=True)

    def committed_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__committed__}

    @classmethod
    def committed_fields_of(cls, row: Mapping[str, Any]) -> dict[str, Any]:
        """The same fields from a row given as a mapping (bulk inserts build rows as dicts)."""
        return {name: row[name] for name in cls.__committed__}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps no zone, so we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Sealed(TypeDecorator[bytes]):
    """Ciphertext: a value sealed under a candidate's data key (``vault.Sealer.seal``), or a
    data key wrapped under a key-encryption key. Stored as plain ``LargeBinary`` (same DDL, no
    conversion); the type marks the column, so that what must never reach the planner's
    statistics is found by type (``secret_columns``), not from a list someone forgets."""

    impl = LargeBinary
    cache_ok = True


class BlindIndex(TypeDecorator[bytes]):
    """A keyed blind index (HMAC) of an identifier (``vault.Vault.blind_index``): whoever holds
    the index secret can confirm a guessed ID number with it. Plain ``LargeBinary`` underneath,
    marked like ``Sealed``."""

    impl = LargeBinary
    cache_ok = True


def secret_columns(metadata: MetaData | None = None) -> list[Column[Any]]:
    """Every ``Sealed`` and ``BlindIndex`` column of ``metadata`` (default: every model's),
    by table and column name."""
    metadata = metadata or Base.metadata
    return sorted(
        (
            column
            for table in metadata.tables.values()
            for column in table.columns
            if isinstance(column.type, Sealed | BlindIndex)
        ),
        key=lambda c: (c.table.name, c.name),
    )


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for another database or an in-memory one."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database)


def sqlite_files(database: Path) -> tuple[Path, Path, Path]:
    """The database file and the two SQLite keeps beside it in WAL mode."""
    return database, Path(f"{database}-wal"), Path(f"{database}-shm")


def _private_sqlite(database: Path) -> None:
    """Create the database's directory 0700 and the file itself 0600 if they do not exist, and
    refuse files that an operator opened to group or others."""
    if not database.parent.exists():
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    create_private_file(database)
    for path in sqlite_files(database):
        check_private(path, "database file")


URL_HELP = (
    "set FAIRSCREEN_DATABASE_URL (or --database) to sqlite:///PATH or "
    "postgresql+psycopg://USER@HOST:PORT/DATABASE, or unset it for the SQLite file in "
    "FAIRSCREEN_DATA_DIR"
)


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


class DatabaseError(FairscreenError):
    """A database that is not there, or not at the schema this version needs."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(
    url: str,
    *,
    sqlite_synchronous: str = "FULL",
    echo: bool = False,
    readonly: bool = False,
    pool_size: int | None = None,
) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and transactions that
    take the write lock when they begin (``BEGIN IMMEDIATE``), so writers queue instead of failing.

    ``pool_size`` (PostgreSQL): connections kept open, as many again opened under load and
    closed when returned (SQLAlchemy's default: 5, and 10 more).

    A ``readonly`` engine cannot write at all (SQLite ``query_only``, PostgreSQL read-only
    transactions), creates no folder, and its SQLite transactions take no write lock.

    A URL that does not parse, names no installed driver, or is a SQLite file whose folder cannot
    be created is a ``ConfigError`` naming the setting."""
    try:
        return _make_engine(
            url,
            sqlite_synchronous=sqlite_synchronous,
            echo=echo,
            readonly=readonly,
            pool_size=pool_size,
        )
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"database URL {_shown(url)}: {exc} ({URL_HELP})") from None


def _make_engine(
    url: str, *, sqlite_synchronous: str, echo: bool, readonly: bool, pool_size: int | None
) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = sqlite_path(url)
        if database is not None and not readonly:
            try:
                _private_sqlite(database)
            except OSError as exc:
                raise ConfigError(
                    f"database {_shown(url)}: cannot create its folder {database.parent}: "
                    f"{exc.strerror} (set FAIRSCREEN_DATA_DIR, or FAIRSCREEN_DATABASE_URL, to a "
                    "place you can write)"
                ) from None
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
        )
        synchronous = sqlite_synchronous.upper()
        if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ConfigError(
                f"FAIRSCREEN_SQLITE_SYNCHRONOUS={sqlite_synchronous!r}: expected OFF, NORMAL, FULL or EXTRA"
            )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if readonly:
                # The file says it is in WAL mode; setting it again would be a write.
                cursor.execute("PRAGMA query_only=ON")
            else:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Freed cells and pages are overwritten with zeros, on every connection: any of
            # them may delete or rewrite personal data (erasure, key rotation, re-indexing).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()
            # SQLAlchemy, not sqlite3, begins transactions (see ``_sqlite_begin``).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Take the write lock up front: a transaction that reads and then writes (the ledger
            # reading its tree size, then appending) must not see another writer in between.
            # A read-only engine never writes, so it takes no lock and blocks no writer.
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": pool_size}
    engine = create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        **pool,
    )
    if readonly:

        @event.listens_for(engine, "connect")
        def _pg_read_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET default_transaction_read_only = on")
            cursor.close()
            dbapi_connection.commit()

    return engine


def _json_dumps(value: Any) -> str:
    """JSON columns through orjson: the same bytes everywhere, several times faster."""
    return orjson.dumps(value).decode()


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for bulk statements (typed, unlike ``__table__``)."""
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class _BulkInsert:
    sql: str
    columns: tuple[str, ...]
    # (position, processor) of the columns whose values go through a bind processor
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]
    # positions whose values repeat across a batch (times, dates): each distinct one processed once
    repeated: frozenset[int]
    positional: bool


_BULK: dict[tuple[str, str, tuple[str, ...]], _BulkInsert] = {}


# ``LargeBinary``'s affinity is its private base class (``_Binary``), not ``LargeBinary`` itself:
# testing against ``LargeBinary`` never matched, and every salt and ciphertext was wrapped
_BINARY: type[TypeEngine[Any]] = LargeBinary()._type_affinity or LargeBinary


def _processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any] | None:
    """The bind processor of ``column`` on ``dialect``, None where it would hand the driver what
    it was given: ``LargeBinary`` only wraps bytes in ``sqlite3.Binary`` (a ``memoryview``), and
    the sqlite3 module binds bytes and a memoryview of them as the same BLOB."""
    # the dialect's own type (SQLite's DATETIME formats times as the compiled statement does;
    # the generic type's processor would leave the driver's own format: '... 11:00:00+00:00'
    # beside '... 11:00:00.000000', and a range query would miss a row on its boundary)
    typ = column.type.dialect_impl(dialect)
    if dialect.name == "sqlite" and issubclass(column.type._type_affinity or object, _BINARY):
        if isinstance(column.type, TypeDecorator) and type(column.type).process_bind_param is not (
            TypeDecorator.process_bind_param
        ):
            return typ.bind_processor(dialect)  # a decorator that converts: keep it
        return None
    return typ.bind_processor(dialect)


def _bulk_plan(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> _BulkInsert:
    key = (dialect.name, table.name, columns)
    plan = _BULK.get(key)
    if plan is None:
        stmt = insert(table).values(
            {name: bindparam(name, type_=table.c[name].type) for name in columns}
        )
        compiled = stmt.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ()) if compiled.positional else columns
        processed = []
        repeated = set()
        for i, name in enumerate(order):
            process = _processor(dialect, table.c[name])
            if process is not None:
                processed.append((i, process))
                if issubclass(table.c[name].type._type_affinity or object, Date | DateTime):
                    repeated.add(i)
        plan = _BulkInsert(
            sql=str(compiled),
            columns=order,
            processed=tuple(processed),
            repeated=frozenset(repeated),
            positional=bool(compiled.positional),
        )
        _BULK[key] = plan
    return plan


def bulk_insert(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in the session's
    transaction, straight through the driver's ``executemany``.

    Each value goes through the column type's own bind processor, exactly as
    ``session.execute(insert(table), rows)`` would, but without SQLAlchemy's per-row statement
    machinery, which cost a quarter of a screening's time. Values are taken and processed a
    column at a time; a time or date column's processor runs once per distinct value (a batch
    of screenings shares a handful of times), and processors that change nothing the driver
    stores are skipped (``_processor``)."""
    if not rows:
        return
    table = table_of(model)
    connection = session.connection()
    plan = _bulk_plan(connection.dialect, table, tuple(rows[0]))
    names = plan.columns
    if len(names) == 1:
        values: list[tuple[Any, ...]] = [(row[names[0]],) for row in rows]
    else:
        values = list(map(itemgetter(*names), rows))
    if plan.processed:
        columns: list[Iterable[Any]] = list(zip(*values, strict=True))
        for i, process in plan.processed:
            column = columns[i]
            if i in plan.repeated:
                # equal times are the same instant, so they bind to the same value
                done = {value: process(value) for value in set(column)}
                columns[i] = map(done.__getitem__, column)
            else:
                columns[i] = map(process, column)
        values = list(zip(*columns, strict=True))
    params: list[Any] = (
        values if plan.positional else [dict(zip(names, v, strict=True)) for v in values]
    )
    connection.exec_driver_sql(plan.sql, params)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def engine_of(sessions: sessionmaker[Session]) -> Engine:
    """The engine a session factory is bound to."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine):
        raise TypeError("a sessionmaker bound to an Engine is needed")
    return engine


@contextmanager
def each_statement_commits(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for a few independent statements, each committed on its own, with whatever
    the session still has to flush committed when the block ends.

    On PostgreSQL the connection is in autocommit: no ``BEGIN`` and no ``COMMIT`` go to the
    server, two round trips fewer (the API's lookup of its caller, on every request, is one
    read and at most one write of a last-used time). On SQLite, where a round trip costs
    nothing, it is an ordinary transaction (``BEGIN IMMEDIATE``, see ``make_engine``).

    Only for statements that need no transaction around them: nothing read here is kept
    consistent with anything else read here."""
    with sessions() as session:
        if engine_of(sessions).dialect.name != "postgresql":
            with session.begin():
                yield session
            return
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session
        session.commit()


# -- the write-ahead log -----------------------------------------------------------------------

CHECKPOINT_WAIT = 10.0
"""Seconds a checkpoint waits for readers to finish before it reports ``busy``."""
TRUNCATED, BUSY = "truncated", "busy"
_pending: set[str] = set()
_pending_lock = threading.Lock()


def _key(bind: Engine | Connection) -> str:
    return bind.engine.url.render_as_string(hide_password=True)


def checkpoint(bind: Engine | Connection, *, wait: float = CHECKPOINT_WAIT) -> str | None:
    """SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)``: every page in the write-ahead log is copied
    into the main file and the log is cut to zero bytes. Returns ``"truncated"``, or ``"busy"``
    when readers still used old pages of the log after ``wait`` seconds (the log then keeps
    them: ``checkpoint_pending`` says so until a later checkpoint completes). None on another
    database. ``bind``: a connection outside any transaction, or an engine."""
    if bind.dialect.name != "sqlite":
        return None
    deadline = time.monotonic() + max(wait, 0.0)
    with ExitStack() as stack:
        conn = bind if isinstance(bind, Connection) else stack.enter_context(bind.connect())
        # On the DB-API connection itself: a checkpoint cannot run inside the transaction that
        # SQLAlchemy would begin around a statement.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("PRAGMA busy_timeout")
            row = cursor.fetchone()
            saved = int(row[0]) if row else 30000
            busy = True
            try:
                while True:
                    # SQLite's busy handler waits for the readers up to the timeout; the loop
                    # covers a reader that arrives between two waits.
                    left = deadline - time.monotonic()
                    cursor.execute(f"PRAGMA busy_timeout={max(int(left * 1000), 0)}")
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    row = cursor.fetchone()
                    busy = bool(row and row[0])
                    if not busy or time.monotonic() + 0.05 >= deadline:
                        break
                    time.sleep(0.05)
            finally:
                cursor.execute(f"PRAGMA busy_timeout={saved}")
        finally:
            cursor.close()
    with _pending_lock:
        if busy:
            _pending.add(_key(bind))
        else:
            _pending.discard(_key(bind))
    if busy:
        log.warning(
            "SQLite WAL checkpoint incomplete after %.0f s (a reader is open): old page images "
            "stay in %s-wal until a later checkpoint",
            wait,
            bind.engine.url.database,
        )
    return BUSY if busy else TRUNCATED


def checkpoint_pending(bind: Engine | Connection) -> bool:
    """Whether the last checkpoint of this database in this process was kept from completing."""
    with _pending_lock:
        return _key(bind) in _pending


class CheckpointRetrier:
    """A daemon thread that, every ``every`` seconds, tries again a checkpoint of ``engine``
    that a reader kept from completing (``checkpoint_pending``), until it completes. The web
    app runs one for as long as it serves (SQLite only)."""

    def __init__(self, engine: Engine, every: float) -> None:
        self.engine = engine
        self.every = max(every, 0.05)
        self._periodic = Periodic("checkpoint-retry", self._tick, interval=self.every)

    def __repr__(self) -> str:
        return f"CheckpointRetrier(every={self.every})"

    def _tick(self) -> None:
        if checkpoint_pending(self.engine) and checkpoint(self.engine) == TRUNCATED:
            log.info("the SQLite WAL checkpoint that was pending is done")

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop(None)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(engine: Engine | None) -> Any:
    from alembic.config import Config

    config = Config()
    script_location = resources.files("fairscreen") / "migrations"
    config.set_main_option("script_location", str(script_location))
    config.attributes["engine"] = engine
    return config


def check_reachable(engine: Engine) -> None:
    """Connect once; a database that does not answer is a ``ConfigError`` naming the setting."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise ConfigError(
            f"database {engine.url.render_as_string(hide_password=True)}: cannot connect: "
            f"{detail} (check that the server is running, or {URL_HELP})"
        ) from None


# The key of the PostgreSQL advisory lock held around a migration: any 64-bit number that no
# other user of the database takes (the first 8 bytes of SHA-256 of "fairscreen.migrations").
MIGRATION_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"fairscreen.migrations").digest()[:8], "big", signed=True
)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Held around a migration, so that processes starting at the same moment on one database
    migrate it one after the other: the first brings it to head, the others then find it there.

    PostgreSQL: a session-level advisory lock (``pg_advisory_lock``) on a connection of its own;
    waiting processes block in the server until it is released (or until the holder's
    connection ends: a killed process does not leave it taken). SQLite: an exclusive ``flock``
    on ``<database file>.migrate-lock`` (0600, beside the file; released by the kernel when the
    process ends). ``BEGIN IMMEDIATE`` alone did not suffice: under load a process that came
    second now and then ran the migrations from the start and failed on a table the first had
    made ("table ledger_state already exists")."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        import fcntl
        import os

        fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` with the packaged Alembic migrations (after checking
    that it answers at all), under the migration lock (``migration_lock``)."""
    from alembic import command

    check_reachable(engine)
    with migration_lock(engine):
        command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(_alembic_config(engine), revision)


def head_revision() -> str:
    """The newest migration this version of fairscreen ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None`` for an empty one)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_database(
    url: str | None = None,
    *,
    migrate: bool = True,
    readonly: bool = False,
    pool_size: int | None = None,
) -> tuple[Engine, sessionmaker[Session]]:
    """The configured database, migrated to head unless ``migrate`` is false.

    ``readonly`` is for commands that only read: the database must already exist (a missing
    SQLite file is an error, not a new empty database), must be at this version's schema (it
    is never migrated), and the engine cannot write (see ``make_engine``). Nothing on disk is
    created or changed."""
    from fairscreen.kit.files import check_private, private_dir
    from fairscreen.kit.settings import get_settings

    settings = get_settings()
    # The default database lives in the data directory, with the key file and the signing key:
    # the directory is made private (0700) when it is made, and refused when loosened.
    in_data_dir = url is None and not settings.database_url
    url = url or settings.resolved_database_url()
    if not readonly:
        if in_data_dir:
            private_dir(settings.data_dir)
        engine = make_engine(
            url, sqlite_synchronous=settings.sqlite_synchronous, pool_size=pool_size
        )
        if migrate:
            upgrade(engine)
        else:
            check_reachable(engine)
        return engine, session_factory(engine)
    if in_data_dir and settings.data_dir.exists():
        check_private(settings.data_dir, "data directory")
    path = sqlite_file(url)
    if path is not None:
        for existing in sqlite_files(path):
            if existing.exists():
                check_private(existing, "database file")
    if path is not None and not path.is_file():
        raise DatabaseError(
            f"{path}: no database there, so nothing to read (check FAIRSCREEN_DATA_DIR and "
            "FAIRSCREEN_DATABASE_URL; `fairscreen screen` or `fairscreen demo` creates one)"
        )
    engine = make_engine(url, readonly=True)
    try:
        check_reachable(engine)
        at, head = current_revision(engine), head_revision()
    except BaseException:
        engine.dispose()
        raise
    if at != head:
        engine.dispose()
        where = path if path is not None else _shown(url)
        raise DatabaseError(
            f"{where}: the database is at schema revision {at or '(none)'}, this version of "
            f"fairscreen reads {head}; back it up, then run `fairscreen db upgrade`"
        )
    return engine, session_factory(engine)
