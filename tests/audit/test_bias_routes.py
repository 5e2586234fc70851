"""The bias audit over HTTP (``/api/v1/audit/bias``), through the real app over a screened
database: the labour inspector runs it for everyone or one organisation and it is published as
``fairscreen audit bias`` publishes it (the same tables, the digest on the ledger); the report
is fetched as JSON (whose SHA-256 is the digest), CSV and HTML; an organisation's administrator
audits only their own, and reads only the audits scoped to it."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from fairscreen.audit import output, records, service
from fairscreen.audit.models import BiasAudit
from fairscreen.kit.clock import utcnow
from fairscreen.ledger.log import read_entry
from fairscreen.organisations.models import Organisation
from fairscreen.screening.run import screen_world
from fairscreen.synth import generate_world
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.accounts.people import World, add_staff, make_world
from tests.conftest import Database

URL = "/api/v1/audit/bias"


@pytest.fixture
def screened(db: Database, vault: Vault, tmp_path: Path) -> World:
    """The accounts' world, and a generated world screened into the same database."""
    accounts = make_world(db, vault)
    path = tmp_path / "world.jsonl"
    generate_world(path, candidates=60, seed=11, decisions=True)
    with load_world(path) as store:
        for _ in screen_world(store, db.sessions, vault, at=datetime(2026, 11, 20, tzinfo=UTC)):
            pass
    return accounts


def test_the_inspector_runs_publishes_and_fetches_the_audit(
    screened: World, db: Database, vault: Vault
) -> None:
    inspector = screened.client("regulator_inspector")
    answer = inspector.post(URL, json={})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["scope"] == {"source": "database"}
    assert body["key_figures"]["records"] == 60

    # the same tables as the audit of the same records (what the command computes)
    with db.sessions() as session:
        found = list(records.from_database(session, vault))
    expected, _ = service.audit(found, scope=body["scope"], now=utcnow())

    document = inspector.get(body["links"]["json"])
    assert document.status_code == 200
    assert hashlib.sha256(document.content).hexdigest() == body["digest"]
    assert document.json()["tables"] == expected.document["tables"]
    assert document.json()["key_figures"] == body["key_figures"] == expected.figures
    with db.sessions() as session:
        row = session.get(BiasAudit, body["id"])
        assert row is not None and row.ledger_index == body["ledger_index"]
        entry = read_entry(session, body["ledger_index"])
        assert b"audit.published" in entry and body["digest"].encode() in entry

    table = inspector.get(body["links"]["csv"])
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == sum(len(t["groups"]) for t in expected.document["tables"]) > 0
    assert table.text == output.to_csv(expected)
    page = inspector.get(body["links"]["html"])
    assert page.status_code == 200 and "<svg" in page.text and body["digest"] in page.text

    listed = inspector.get(URL).json()["audits"]
    assert [a["id"] for a in listed] == [body["id"]]
    assert inspector.get(f"{URL}/{'0' * 32}").status_code == 404


def test_an_organisation_audits_its_own_and_sees_only_its_own(
    screened: World, db: Database
) -> None:
    with db.sessions.begin() as session:
        employer = session.scalars(
            select(Organisation)
            .where(Organisation.kind == "employer", Organisation.external_ref.is_not(None))
            .order_by(Organisation.external_ref)
        ).first()
        assert employer is not None
        add_staff(session, employer.id, "employer_admin", "admin@audited-employer.example")
        own_id, own_ref = employer.id, employer.external_ref
    admin = screened.client()
    assert admin.login("admin@audited-employer.example").status_code == 200
    inspector = screened.client("regulator_inspector")
    everyone = inspector.post(URL, json={}).json()

    mine = admin.post(URL, json={"since": "2026-01-01"})
    assert mine.status_code == 201, mine.text
    body = mine.json()
    assert body["scope"] == {"source": "database", "organisation": own_id, "since": "2026-01-01"}
    assert 0 < body["key_figures"]["records"] < everyone["key_figures"]["records"]
    # by its reference too; another organisation's name is as if it did not exist
    assert admin.post(URL, json={"organisation": own_ref}).status_code == 201
    assert admin.post(URL, json={"organisation": "no-such-org"}).status_code == 404

    listed = {a["id"] for a in admin.get(URL).json()["audits"]}
    assert body["id"] in listed and everyone["id"] not in listed
    assert admin.get(everyone["links"]["json"]).status_code == 404
    assert admin.get(everyone["links"]["html"]).status_code == 404
    assert admin.get(body["links"]["csv"]).status_code == 200
    # the inspector reads every audit, and audits one organisation by its reference
    assert {body["id"], everyone["id"]} <= {a["id"] for a in inspector.get(URL).json()["audits"]}
    one = inspector.post(URL, json={"organisation": own_ref}).json()
    assert one["key_figures"]["records"] == body["key_figures"]["records"]


@pytest.mark.parametrize(
    ("payload", "field", "status"),
    [
        ({"organisation": "no-such-org"}, "organisation", 404),
        ({"since": "2026-12-01", "until": "2026-11-01"}, "since", 409),
        ({"window": "2026"}, "window", 422),
    ],
)
def test_bad_input_names_the_field_and_publishes_nothing(
    screened: World, db: Database, payload: dict[str, str], field: str, status: int
) -> None:
    answer = screened.client("regulator_inspector").post(URL, json=payload)
    assert answer.status_code == status
    assert field in answer.text
    with db.sessions() as session:
        assert session.scalars(select(BiasAudit)).first() is None
