"""The database layer: bulk inserts store exactly what SQLAlchemy's own inserts store; commands
that only read open the database so that they cannot create, migrate or write it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.kit.db import (
    DatabaseError,
    bulk_insert,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    table_of,
    transaction,
    upgrade,
)
from fairscreen.kit.settings import get_settings
from fairscreen.organisations.models import Organisation, Position
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
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
        # check requests need a candidate to point at
        s.execute(
            text(
                "INSERT INTO candidates (id, external_ref, created_at, retain_until) VALUES ('c1', 'C1', :t, :d)"
            ),
            {"t": datetime(2026, 1, 1, tzinfo=UTC), "d": date(2027, 1, 1)},
        )
        s.execute(
            insert(table_of(CheckRequest)),
            [{**request, "id": "r1", "candidate_id": "c1", "position_id": "p1"}],
        )
        bulk_insert(
            s, CheckRequest, [{**request, "id": "r2", "candidate_id": "c1", "position_id": "p1"}]
        )
        report = {
            "request_id": "r1",
            "light": "green",
            "reasons": [],
            "excluded": [],
            "not_checked": [],
            "ruleset": "x",
            "policy": "y",
            "issued_at": datetime(2026, 11, 29, tzinfo=UTC),
            "commitment_salt": b"s" * 16,
            "ledger_index": 7,
        }
        s.execute(insert(table_of(Report)), [{**report, "id": "a"}])
        bulk_insert(s, Report, [{**report, "id": "b", "request_id": "r2"}])
    with db.engine.connect() as conn:
        for table, left, right in (
            ("organisations", "o1", "o2"),
            ("check_requests", "r1", "r2"),
            ("reports", "a", "b"),
        ):
            rows = {row[0]: tuple(row[1:]) for row in conn.execute(text(f"SELECT * FROM {table}"))}  # noqa: S608
            a, b = rows[left], rows[right]
            differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
            # only the columns that differ on purpose (refs, ids) may differ
            assert len(differing) <= 2, (table, a, b)
    with db.sessions() as s:
        r1, r2 = s.get(CheckRequest, "r1"), s.get(CheckRequest, "r2")
        assert r1 is not None and r2 is not None
        assert r1.scope_fixed_at == r2.scope_fixed_at == request["scope_fixed_at"]
        assert r1.scope == r2.scope and r1.not_checked == r2.not_checked
        assert s.scalar(select(Report.ledger_index).where(Report.id == "b")) == 7


# -- opening for commands that only read ---------------------------------------------------------


def test_a_read_only_open_of_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "fairscreen.db"
    with pytest.raises(DatabaseError, match=f"{path}: no database there"):
        open_database(f"sqlite:///{path}", readonly=True)
    assert not path.parent.exists()


def test_a_read_only_engine_cannot_write(db: Database) -> None:
    engine, sessions = open_database(db.url, readonly=True)
    try:
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Organisation)) == 0
        with pytest.raises(DBAPIError), sessions() as session, session.begin():
            session.execute(insert(Organisation).values(_org(1)))
    finally:
        engine.dispose()
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_an_older_schema_is_not_migrated_by_a_reader_but_by_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine, "0003_retention")  # a database made by the previous version
    engine.dispose()
    before = path.read_bytes()
    with pytest.raises(DatabaseError) as caught:
        open_database(url, readonly=True)
    assert "0003_retention" in str(caught.value) and head_revision() in str(caught.value)
    assert "fairscreen db upgrade" in str(caught.value)
    assert path.read_bytes() == before

    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["db", "revision"]).exit_code == 1
        upgraded = runner.invoke(app, ["db", "upgrade"])
        assert upgraded.exit_code == 0 and head_revision() in upgraded.output
        assert runner.invoke(app, ["db", "revision"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    engine, _ = open_database(url, readonly=True)
    assert current_revision(engine) == head_revision()
    engine.dispose()
