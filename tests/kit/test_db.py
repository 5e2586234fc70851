"""The database layer: bulk inserts store exactly what SQLAlchemy's own inserts store; commands
that only read open the database so that they cannot create, migrate or write it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import insert, text

from fairscreen.candidates.models import Candidate
from fairscreen.kit.db import (
    bulk_insert,
    table_of,
    transaction,
)
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
            # only the columns that differ on purpose (refs, ids, ledger indexes) may differ
            assert len(differing) <= 3, (table, a, b)
    with db.sessions() as s:
        r1, r2 = s.get(CheckRequest, "r1"), s.get(CheckRequest, "r2")
        assert r1 is not None and r2 is not None
        assert r1.scope_fixed_at == r2.scope_fixed_at == request["scope_fixed_at"]
        assert r1.scope == r2.scope and r1.not_checked == r2.not_checked
