"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a vault with a local key file.

The migrations run once per test worker and backend (per schema digest): PostgreSQL clones a
template database, SQLite copies a template file (closed, its WAL checkpointed into it). Each test
still gets a database of its own. ``empty_db`` is a database nothing has touched, for the tests
that run the real migration chain from the start (tests/migrations).

``scripts/test`` starts a throwaway PostgreSQL server and sets ``FAIRSCREEN_TEST_POSTGRES_URL``;
every test that takes ``db`` runs once per backend. Run outside that script, the PostgreSQL half
is skipped unless ``FAIRSCREEN_REQUIRE_POSTGRES=1`` says it must not be.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import checkpoint, make_engine, session_factory, sqlite_files, upgrade
from fairscreen.vault import Vault
from fairscreen.vault.keys import LocalKeyFile
from tests.forks import Forks

PG_URL = os.environ.get("FAIRSCREEN_TEST_POSTGRES_URL")
REQUIRE_PG = os.environ.get("FAIRSCREEN_REQUIRE_POSTGRES") == "1"


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


def _schema_digest() -> str:
    """Changes whenever a migration does, so a long-lived server never serves a stale template."""
    import hashlib
    from importlib import resources

    digest = hashlib.sha256()
    versions = resources.files("fairscreen") / "migrations" / "versions"
    for path in sorted(versions.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".py"):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _pg_template(worker: str) -> str:
    """A database migrated once per test worker, cloned (fast) for each test."""
    assert PG_URL is not None
    name = f"fs_template_{worker}_{_schema_digest()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
    admin.dispose()
    return name


@pytest.fixture(scope="session")
def pg_template(worker_id: str) -> str | None:
    if PG_URL is None:
        return None
    return _pg_template(worker_id)


def _postgres(pg_template: str | None) -> Iterator[tuple[str, Engine]]:
    if PG_URL is None:
        if REQUIRE_PG:
            pytest.fail("FAIRSCREEN_REQUIRE_POSTGRES=1 but no FAIRSCREEN_TEST_POSTGRES_URL")
        pytest.skip("PostgreSQL tests run under scripts/test (no FAIRSCREEN_TEST_POSTGRES_URL)")
    name = f"fs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test worker (``getbasetemp`` is per worker), closed with
    its write-ahead log checkpointed into it, so that a plain copy is a complete database."""
    folder = tmp_path_factory.getbasetemp() / f"sqlite-template-{_schema_digest()}"
    template = folder / "fairscreen.db"
    if not template.exists():
        engine = make_engine(f"sqlite:///{template}", sqlite_synchronous="NORMAL")
        upgrade(engine)
        assert checkpoint(engine) == "truncated"
        engine.dispose()
        wal = sqlite_files(template)[1]
        assert not wal.exists() or wal.stat().st_size == 0, wal
    return template


def _sqlite(template: Path, tmp_path: Path) -> Iterator[Database]:
    database = tmp_path / "fairscreen.db"
    shutil.copyfile(template, database)
    database.chmod(0o600)
    url = f"sqlite:///{database}"
    engine = make_engine(url, sqlite_synchronous="NORMAL")
    yield Database("sqlite", url, engine, session_factory(engine))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pg_template: str | None,
    sqlite_template: Path,
) -> Iterator[Database]:
    """A migrated, empty database; each test that uses it runs on both backends."""
    if request.param == "sqlite":
        yield from _sqlite(sqlite_template, tmp_path)
    else:
        for url, engine in _postgres(pg_template):
            yield Database("postgres", url, engine, session_factory(engine))


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated SQLite database only, for tests about SQLite's own files."""
    yield from _sqlite(sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database no migration has touched (a new SQLite file; a PostgreSQL database made from
    ``template0``), on both backends: for the tests that run the migration chain from the start."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fairscreen.db'}"
        engine = make_engine(url, sqlite_synchronous="NORMAL")
        yield Database("sqlite", url, engine, session_factory(engine))
        engine.dispose()
    else:
        for url, engine in _postgres("template0"):
            yield Database("postgres", url, engine, session_factory(engine))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "kek.json"


@pytest.fixture
def vault(key_file: Path) -> Vault:
    return Vault(LocalKeyFile(key_file))


@pytest.fixture(scope="session")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forks]:
    """Command lines run in processes forked from one that imported the command line once
    (tests/forks.py): each child takes the test's folder, environment and arguments. The tests
    about start-up itself (settings read at import, signals, a first run) keep ``subprocess``."""
    home = tmp_path_factory.mktemp("forks")
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"FAIRSCREEN_DATABASE_URL", "FAIRSCREEN_DEBUG", "FAIRSCREEN_DATA_DIR"}
    }
    with Forks(environment | {"HOME": str(home)}) as server:
        yield server
