"""The elevator monitor over HTTP, as the running app serves it: a firm sends its own records
(all or nothing) and never another firm's, sees only the alerts addressed to it (another
firm's is 404), the regulator reads all and runs the detectors; a firm cannot run them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database

BASE = "/api/v1/monitors/elevators"


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def _elevator(code: str, user: str, keeper: str, since: str) -> dict[str, object]:
    return {
        "type": "elevator",
        "id": code,
        "user_unit": user,
        "maintainer": keeper,
        "x": 10,
        "y": 10,
        "place": "building 1",
        "since": since,
    }


def test_firms_send_their_own_records_and_read_their_own_alerts(world: World) -> None:
    mine, theirs = world.orgs["employer"]
    since = (utcnow() - timedelta(days=40)).isoformat()
    admin = world.client("employer_admin")
    other = world.client("employer_admin", tenant=1)

    sent = admin.post(
        f"{BASE}/records",
        json={"records": [_elevator("E-MINE", "F000009", mine, since)]},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["elevators"] == 1
    # an elevator neither used nor maintained by the firm is refused, naming the record
    foreign = admin.post(
        f"{BASE}/records", json={"records": [_elevator("E-X", "F000009", theirs, since)]}
    )
    assert foreign.status_code == 403 and "records[0]: user_unit" in foreign.text
    # another firm's elevator looks like an unknown one, and nothing of the request is stored
    event = {"type": "event", "id": "ev-1", "elevator": "E-MINE", "kind": "overspeed", "at": since}
    probe = other.post(
        f"{BASE}/records",
        json={"records": [_elevator("E-THEIRS", "F000009", theirs, since), event]},
    )
    assert probe.status_code == 404 and "records[1]: elevator" in probe.text
    # nor can a firm claim an elevator registered to others
    claim = other.post(
        f"{BASE}/records", json={"records": [_elevator("E-MINE", "F000009", theirs, since)]}
    )
    assert claim.status_code == 409 and "records[0]: id" in claim.text
    malformed = admin.post(f"{BASE}/records", json={"records": [{"type": "event"}]})
    assert malformed.status_code == 422
    assert "E-THEIRS" not in str(world.client("regulator_inspector").get(f"{BASE}/summary").json())

    # the firm cannot run the detectors; the regulator does
    assert admin.post(f"{BASE}/run").status_code == 403
    ran = world.client("regulator_inspector").post(f"{BASE}/run")
    assert ran.status_code == 200, ran.text
    assert ran.json()["opened"] >= 1  # no maintenance in 40 days

    listed = admin.get(f"{BASE}/alerts").json()
    assert listed["total"] >= 1
    assert {a["org"] for a in listed["alerts"]} == {mine}
    alert = listed["alerts"][0]
    assert alert["rule"] == "elevators.maintenance_overdue" and alert["signal"]
    assert admin.get(f"{BASE}/alerts/{alert['id']}").status_code == 200
    assert other.get(f"{BASE}/alerts/{alert['id']}").status_code == 404
    assert other.get(f"{BASE}/alerts").json()["total"] == 0
    assert other.get(f"{BASE}/alerts", params={"org": mine}).json()["total"] == 0

    inspector = world.client("regulator_inspector")
    every = inspector.get(f"{BASE}/alerts", params={"org": mine}).json()
    assert every["total"] == listed["total"]
    summary = inspector.get(f"{BASE}/summary").json()
    assert summary["elevators"] == 1
    assert summary["overdue_maintenance_by_firm"] == [{"org": mine, "elevators": 1}]
    assert other.get(f"{BASE}/summary").json()["elevators"] == 0
