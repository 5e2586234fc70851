"""The database layer: bulk inserts store exactly what SQLAlchemy's own inserts store; commands
that only read open the database so that they cannot create, migrate or write it; the marker
types of secret columns; private SQLite files; WAL checkpoints."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable

from fairscreen.candidates.models import Candidate
from fairscreen.kit.db import (
    BlindIndex,
    CheckpointRetrier,
    Sealed,
    bulk_insert,
    checkpoint,
    checkpoint_pending,
    current_revision,
    each_statement_commits,
    head_revision,
    make_engine,
    open_database,
    secret_columns,
    table_of,
    transaction,
)
from fairscreen.kit.errors import ConfigError
from fairscreen.kit.files import FilePermissionError
from fairscreen.organisations.models import Organisation, Position
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.vault.models import DataKey
from tests.conftest import Database


def _org(i: int) -> dict[str, object]:
    return {
        "id": f"o{i}",
        "external_ref": f"E{i}",
        "kind": "employer",
        "name": "測試",
        "jurisdiction": "CN",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


def test_bulk_insert_writes_what_sqlalchemy_writes(db: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    request = {
        "candidate_id": None,
        "employer_id": "o1",
        "agency_id": None,
        "consent_id": None,
        "status": "reported",
        "stop_reason": None,
        "policy": "cn@2026.1",
        "as_of": date(2026, 11, 20),
        "scope": {"category": "driver", "items": {"identity": None, "driving_record": 10}},
        "not_checked": [{"item": "credit", "why": "not_allowed_for_position"}],
        "scope_fixed_at": datetime(2026, 11, 29, 16, 30, 1, 123456, tzinfo=beijing),
        "commitment_salt": b"\x00\xff" * 8,
    }
    with transaction(db.sessions) as s:
        s.execute(insert(table_of(Organisation)), [_org(1)])
        bulk_insert(s, Organisation, [_org(2)])
        s.execute(
            insert(table_of(Position)),
            [
                {
                    "id": "p1",
                    "external_ref": "P",
                    "employer_id": "o1",
                    "title": "t",
                    "category": "driver",
                    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
            ],
        )
        # check requests need a candidate to point at, and a candidate a data key
        s.execute(
            insert(table_of(DataKey)),
            [
                {
                    "id": "k1",
                    "provider": "local",
                    "kek_version": "local-1",
                    "wrapped": b"w" * 40,
                    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
            ],
        )
        s.execute(
            insert(table_of(Candidate)),
            [
                {
                    "id": "c1",
                    "data_key_id": "k1",
                    "external_ref_index": b"r" * 32,
                    "external_ref_ct": b"ct",
                    "id_number_index": b"i" * 32,
                    "name_ct": b"ct",
                    "id_document_ct": b"ct",
                    "birth_date_ct": b"ct",
                    "claims_ct": b"ct",
                    "subject_ref": "s" * 32,
                    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                    "retain_until": date(2027, 1, 1),
                }
            ],
        )
        s.execute(
            insert(table_of(CheckRequest)),
            [{**request, "id": "r1", "candidate_id": "c1", "position_id": "p1", "ledger_index": 1}],
        )
        bulk_insert(
            s,
            CheckRequest,
            [{**request, "id": "r2", "candidate_id": "c1", "position_id": "p1", "ledger_index": 2}],
        )
        report = {
            "request_id": "r1",
            "version": 1,
            "ruleset": "x",
            "policy": "y",
            "issued_at": datetime(2026, 11, 29, tzinfo=UTC),
            "content_ct": b"\x01sealed",
            "commitment_salt": b"s" * 16,
        }
        s.execute(insert(table_of(Report)), [{**report, "id": "a", "ledger_index": 7}])
        bulk_insert(s, Report, [{**report, "id": "b", "request_id": "r2", "ledger_index": 8}])
    with db.engine.connect() as conn:
        for table, left, right in (
            ("organisations", "o1", "o2"),
            ("check_requests", "r1", "r2"),
            ("reports", "a", "b"),
        ):
            rows = {row[0]: tuple(row[1:]) for row in conn.execute(text(f"SELECT * FROM {table}"))}  # noqa: S608
            a, b = rows[left], rows[right]
            differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
            # only the columns that differ on purpose (ids, request ids, ledger indexes)
            assert len(differing) <= 3, (table, a, b)
            times = {i for i, x in enumerate(a) if isinstance(x, str) and x.startswith("2026-")}
            assert not times & set(differing), (table, a, b)  # a time is stored as insert does
    with db.sessions() as s:
        r1, r2 = s.get(CheckRequest, "r1"), s.get(CheckRequest, "r2")
        assert r1 is not None and r2 is not None
        assert r1.scope_fixed_at == r2.scope_fixed_at == request["scope_fixed_at"]
        assert r1.scope == r2.scope and r1.not_checked == r2.not_checked
        assert s.scalar(select(Report.ledger_index).where(Report.id == "b")) == 8
        # a range query finds both rows on its boundary, whichever way they were inserted
        at = report["issued_at"]
        assert set(s.scalars(select(Report.id).where(Report.issued_at >= at))) == {"a", "b"}
        assert set(s.scalars(select(Report.id).where(Report.issued_at <= at))) == {"a", "b"}


def test_bulk_insert_of_many_rows_sharing_times_stores_what_it_always_stored(
    db: Database,
) -> None:
    # bulk_insert processes each distinct time once and hands sqlite bytes unwrapped: a batch
    # whose rows share times (and name one instant in two zones) must store what one row at a
    # time stored, and on SQLite the text SQLAlchemy's insert writes. It used to store the
    # driver's own text ("... 08:30:01.123456+00:00"), which sorts differently from the
    # parameters of a query, so a range query missed a row on its boundary (migration
    # 0024_sqlite_times rewrites the rows stored so).
    beijing = timezone(timedelta(hours=8))
    shared = datetime(2026, 11, 29, 16, 30, 1, 123456, tzinfo=beijing)
    times = [shared, shared.astimezone(UTC), shared, datetime(2026, 1, 1, tzinfo=UTC), shared]
    rows = [
        {
            "id": f"b{i}",
            "provider": "local",
            "kek_version": f"local-{i % 2}",
            "wrapped": bytes([i]) * 40,
            "created_at": at,
        }
        for i, at in enumerate(times)
    ]
    with transaction(db.sessions) as s:
        bulk_insert(s, DataKey, rows[:1])  # one row at a time, then the rest as one batch
        bulk_insert(s, DataKey, rows[1:])
    kinds = "typeof(wrapped), typeof(created_at)" if db.backend == "sqlite" else "'', ''"
    with db.engine.connect() as conn:
        stored = [
            tuple(row)
            for row in conn.execute(
                text(f"SELECT id, wrapped, created_at, {kinds} FROM data_keys ORDER BY id")  # noqa: S608
            )
        ]
    assert [row[0] for row in stored] == [row["id"] for row in rows]
    assert [bytes(row[1]) for row in stored] == [row["wrapped"] for row in rows]
    if db.backend == "sqlite":
        assert [row[2:] for row in stored] == [
            ("2026-11-29 08:30:01.123456", "blob", "text"),
            ("2026-11-29 08:30:01.123456", "blob", "text"),
            ("2026-11-29 08:30:01.123456", "blob", "text"),
            ("2026-01-01 00:00:00.000000", "blob", "text"),
            ("2026-11-29 08:30:01.123456", "blob", "text"),
        ]
    else:
        assert [row[2] for row in stored] == times
    with db.sessions() as s:
        assert list(s.scalars(select(DataKey.created_at).order_by(DataKey.id))) == times


def test_bulk_insert_hands_sqlite_bytes_unwrapped(tmp_path: Path) -> None:
    # On a connected SQLite dialect LargeBinary wraps bytes in a memoryview, which sqlite3 binds
    # as the same BLOB: bulk_insert skips that processor for every binary column (plain,
    # Sealed), and keeps the others. The test once looked for LargeBinary among the types'
    # affinities, which is LargeBinary's private base: it never matched, so the wrap stayed.
    from fairscreen.kit.db import _bulk_plan

    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    dialect = engine.dialect
    assert dialect.dbapi is not None  # a dialect without a driver has no binary processor at all
    columns = ("id", "request_id", "version", "ruleset", "policy", "issued_at", "content_ct")
    plan = _bulk_plan(dialect, table_of(Report), (*columns, "commitment_salt", "ledger_index"))
    processed = {plan.columns[i] for i, _ in plan.processed}
    assert processed == {"issued_at"}
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("notaurl", "database URL 'notaurl': Could not parse"),
        ("nosuchdialect://x/y", "database URL nosuchdialect://x/y: Can't load plugin"),
        ("sqlite:////proc/forbidden/fairscreen.db", "cannot create its folder /proc/forbidden"),
    ],
)
def test_a_bad_database_url_names_the_setting(url: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_engine(url)
    assert words in str(info.value) and "FAIRSCREEN_DATABASE_URL" in str(info.value)


def test_an_unreachable_database_names_the_setting() -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/x"
        with pytest.raises(ConfigError) as info:
            open_database(url)
    message = str(info.value)
    assert message.startswith(f"database postgresql+psycopg://nobody:***@127.0.0.1:{port}/x:")
    assert "secret" not in message and "FAIRSCREEN_DATABASE_URL" in message


def test_sealed_and_blind_index_columns_are_plain_binary() -> None:
    """The marker types change nothing in the database: the same DDL as ``LargeBinary``."""
    marked = MetaData()
    plain = MetaData()
    Table("t", marked, Column("a", Sealed), Column("b", BlindIndex(32)))
    Table("t", plain, Column("a", LargeBinary), Column("b", LargeBinary(32)))
    for dialect in (sqlite.dialect(), postgresql.dialect()):  # type: ignore[no-untyped-call]
        assert str(CreateTable(marked.tables["t"]).compile(dialect=dialect)) == str(
            CreateTable(plain.tables["t"]).compile(dialect=dialect)
        )
    assert [(c.table.name, c.name) for c in secret_columns(marked)] == [("t", "a"), ("t", "b")]
    assert secret_columns(plain) == []


def test_a_sqlite_database_is_private_and_refused_when_loosened(tmp_path: Path) -> None:
    database = tmp_path / "new" / "fairscreen.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1
        modes = {p.name: p.stat().st_mode & 0o777 for p in database.parent.iterdir()}
    engine.dispose()
    assert database.parent.stat().st_mode & 0o777 == 0o700
    assert modes == {"fairscreen.db": 0o600, "fairscreen.db-wal": 0o600, "fairscreen.db-shm": 0o600}
    database.chmod(0o640)
    with pytest.raises(FilePermissionError, match=f"chmod 600 {database}"):
        make_engine(f"sqlite:///{database}")


def test_a_checkpoint_a_reader_holds_is_pending_until_retried(tmp_path: Path) -> None:
    database = tmp_path / "fairscreen.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x)"))
    reader = sqlite3.connect(database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchall()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert checkpoint(engine, wait=0.1) == "busy" and checkpoint_pending(engine)
    retrier = CheckpointRetrier(engine, every=0.05)
    retrier.start()
    try:
        reader.execute("ROLLBACK")
        reader.close()
        deadline = time.monotonic() + 30
        while checkpoint_pending(engine) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        retrier.stop()
    assert not checkpoint_pending(engine)
    assert Path(f"{database}-wal").stat().st_size == 0
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it: no tables, no Alembic version table."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'fairscreen.db'}"
        return
    from tests.conftest import PG_URL, REQUIRE_PG

    if PG_URL is None:
        if REQUIRE_PG:
            pytest.fail("FAIRSCREEN_REQUIRE_POSTGRES=1 but no FAIRSCREEN_TEST_POSTGRES_URL")
        pytest.skip("PostgreSQL tests run under scripts/test (no FAIRSCREEN_TEST_POSTGRES_URL)")
    name = f"fs_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_processes_starting_at_once_on_an_empty_database_all_migrate_it(
    empty_database: str, tmp_path: Path
) -> None:
    """Four processes migrate one empty database at the same moment (issue 15: two `screen`
    processes raced to create Alembic's version table and one died with a traceback). Each
    waits for the migration lock; all succeed; the schema is at head once."""
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": empty_database,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
    }
    gate = tmp_path / "go"
    # Every process imports everything first, then waits for the gate: they start migrating
    # within milliseconds of one another, not one import-time apart.
    script = (
        "import pathlib, sys, time\n"
        "from fairscreen.cli import app\n"
        f"gate = pathlib.Path({str(gate)!r})\n"
        "while not gate.exists(): time.sleep(0.001)\n"
        "sys.argv = ['fairscreen', 'db', 'upgrade']\n"
        "from fairscreen.cli import main\n"
        "main()\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(1.5)  # let them all reach the gate (not a timing assertion: only a head start)
    gate.touch()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert "Traceback" not in err
        assert proc.returncode == 0, err
        assert f"this version: {head_revision()}" in out
    engine = make_engine(empty_database)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()


def test_each_statement_commits_on_its_own_on_postgresql(db: Database) -> None:
    """The caller's lookup on every API request: on PostgreSQL each statement is committed as
    it runs (no transaction around them, so another connection sees the first row before the
    block ends) and what is left to flush is committed at the end; on SQLite the block is one
    transaction, committed at the end."""
    seen_inside: list[int | None] = []
    with each_statement_commits(db.sessions) as session:
        session.execute(insert(table_of(Organisation)), [_org(1)])
        if db.backend == "postgres":
            with db.sessions() as other:
                seen_inside.append(other.scalar(select(func.count()).select_from(Organisation)))
        session.add(Organisation(**_org(2)))  # flushed and committed when the block ends
    with db.sessions() as other:
        ids = set(other.scalars(select(Organisation.id)))
    assert ids == {"o1", "o2"}
    assert seen_inside == ([1] if db.backend == "postgres" else [])
