"""The JSON API under /api/v1/retention, through the real app, signed in as the roles that may
use it: the platform's operators for deletion requests, the screening agency's reviewers for
legal holds, the regulator for destruction certificates (no personal data in them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from fairscreen.organisations.models import Organisation
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, add_staff, make_world
from tests.conftest import Database
from tests.retention.people import Screened, opens, screen_people

BASE = "/api/v1/retention"


@pytest.fixture
def world(db: Database, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    return make_world(db, vault)


@pytest.fixture
def screened(world: World, tmp_path: Path) -> Screened:
    screened = screen_people(world.db, world.vault, tmp_path, others=1)
    with world.db.sessions.begin() as s:  # a reviewer of the agency that screened them
        agency = s.scalars(select(Organisation.id).where(Organisation.external_ref == "A1")).one()
        add_staff(s, agency, "agency_reviewer", "reviewer@screening-agency.example")
    return screened


def test_the_lifecycle_over_http(world: World, screened: Screened) -> None:
    target = screened.target
    api = world.client("platform_admin")
    created = api.post(f"{BASE}/deletion-requests", json={})
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["status"] == "received" and request["channel"] == "api"
    rid = request["id"]

    early = api.post(f"{BASE}/deletion-requests/{rid}/process")
    assert early.status_code == 409 and "not verified" in early.json()["detail"]

    wrong = api.post(
        f"{BASE}/deletion-requests/{rid}/verify",
        json={"id_number": target.id_number, "name": "別人"},
    )
    assert wrong.status_code == 422
    problem = wrong.json()
    assert problem["attempts_left"] == 4 and problem["request"]["status"] == "received"
    assert target.id_number not in wrong.text  # the answer does not echo what was given

    right = api.post(
        f"{BASE}/deletion-requests/{rid}/verify",
        json={"id_number": target.id_number, "name": target.name},
    )
    assert right.status_code == 200 and right.json()["request"]["status"] == "verified"

    done = api.post(f"{BASE}/deletion-requests/{rid}/process")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["certificate_id"]
    assert opens(world.db, world.vault, target.candidate_id) == "none"

    assert api.get(f"{BASE}/deletion-requests/{rid}").json()["status"] == "done"
    assert [r["id"] for r in api.get(f"{BASE}/deletion-requests").json()] == [rid]
    assert api.get(f"{BASE}/deletion-requests", params={"overdue": True}).json() == []
    certificates = world.client("regulator_inspector").get(f"{BASE}/certificates").json()
    assert certificates[0]["id"] == body["certificate_id"]
    assert certificates[0]["reason"] == "deletion_request" and certificates[0]["subjects"] == 1


def test_nobody_else_may_run_deletions(world: World, screened: Screened) -> None:
    for role in ("employer_admin", "recruiter", "agency_reviewer", "regulator_inspector"):
        assert world.client(role).post(f"{BASE}/deletion-requests", json={}).status_code == 403
    assert Api(world.app()).post(f"{BASE}/deletion-requests", json={}).status_code == 401


def test_holds_over_http(world: World, screened: Screened) -> None:
    reviewer = Api(world.app())
    assert reviewer.login("reviewer@screening-agency.example").status_code == 200
    placed = reviewer.post(
        f"{BASE}/legal-holds",
        json={
            "candidate": screened.target.ref,
            "reason_code": "labour_arbitration",
            "reference": "(2026)示勞仲字第113號",
        },
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["active"] is True
    assert placed.json()["reason"]["code"] == "labour_arbitration"
    assert placed.json()["reference"] == "(2026)示勞仲字第113號"
    free_text = reviewer.post(
        f"{BASE}/legal-holds", json={"candidate": screened.target.ref, "reason": "仲裁 pending"}
    )
    assert free_text.status_code == 422  # staff pick an approved reason; they type none
    unknown = reviewer.post(
        f"{BASE}/legal-holds", json={"candidate": screened.target.ref, "reason_code": "gossip"}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "reason_code"
    reasons = reviewer.get(f"{BASE}/hold-reasons").json()
    assert {"labour_arbitration", "court_proceedings"} <= {r["code"] for r in reasons}
    assert all(set(r["text"]) == {"zh-Hant", "zh-Hans", "en"} for r in reasons)
    hold = placed.json()["id"]
    active = reviewer.get(f"{BASE}/legal-holds", params={"active": True}).json()
    assert [h["id"] for h in active] == [hold]
    # another agency's reviewer sees none of it, and cannot touch it
    other = world.client("agency_reviewer", 1)
    assert other.get(f"{BASE}/legal-holds").json() == []
    assert other.post(f"{BASE}/legal-holds/{hold}/release").status_code == 404
    assert (
        other.post(
            f"{BASE}/legal-holds",
            json={"candidate": screened.target.ref, "reason_code": "legal_obligation"},
        ).status_code
        == 404
    )
    released = reviewer.post(f"{BASE}/legal-holds/{hold}/release")
    assert released.status_code == 200 and released.json()["active"] is False
    assert reviewer.post(f"{BASE}/legal-holds/{hold}/release").status_code == 409
    assert reviewer.get(f"{BASE}/legal-holds", params={"active": True}).json() == []


def test_errors_name_what_is_wrong(world: World, screened: Screened) -> None:
    api = world.client("platform_admin")
    assert api.get(f"{BASE}/deletion-requests/nope").status_code == 404
    bad_channel = api.post(f"{BASE}/deletion-requests", json={"channel": "fax"})
    assert bad_channel.status_code == 422
    assert bad_channel.json()["errors"][0]["field"] == "channel"
    rid = api.post(f"{BASE}/deletion-requests").json()["id"]
    missing = api.post(f"{BASE}/deletion-requests/{rid}/verify", json={"name": "x"})
    assert missing.status_code == 422 and "id_number" in missing.text
    bad_status = api.get(f"{BASE}/deletion-requests", params={"status": "lost"})
    assert bad_status.status_code == 422 and bad_status.json()["errors"][0]["field"] == "status"
    reviewer = Api(world.app())
    reviewer.login("reviewer@screening-agency.example")
    no_one = reviewer.post(
        f"{BASE}/legal-holds", json={"candidate": "nobody", "reason_code": "legal_obligation"}
    )
    assert no_one.status_code == 404
    assert reviewer.post(f"{BASE}/legal-holds/nope/release").status_code == 404
