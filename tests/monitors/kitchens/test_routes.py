"""Bright kitchens over HTTP, as the running app serves it: a restaurant (an employer's
administrator) sends its own feed and reviews its own events; another firm sees none of it and
is answered 404; the regulator reads and reviews every firm's, runs the monitor and sees the
signal; bad input is 422 naming the field, a review of no known event 404, and nothing of a
refused batch is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.monitors.kitchens.helpers import event, reviewed

BASE = "/api/v1/monitors/kitchens"


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def _feed(org: str) -> tuple[list[dict[str, Any]], str]:
    start = utcnow() - timedelta(days=3)
    rat = event(org, "CAM01", start, "rodent")
    pending = event(org, "CAM02", start + timedelta(hours=1), "no_mask")
    records = [rat, reviewed(rat, "confirmed", by="acct-x"), pending]
    return [r.model_dump(mode="json") for r in records], pending.id


def test_a_firm_sends_and_reviews_its_own_and_the_regulator_sees_all(world: World) -> None:
    mine = world.orgs["employer"][0]
    admin = world.client("employer_admin")
    other = world.client("employer_admin", tenant=1)
    inspector = world.client("regulator_inspector")
    records, pending = _feed(mine)

    sent = admin.post(f"{BASE}/events", json={"records": records})
    assert sent.status_code == 201, sent.text
    assert sent.json() == {"events": 2, "repeated": 0, "reviews": 1, "fixes": 0}
    # another firm cannot send this restaurant's feed, nor see or review its events
    assert other.post(f"{BASE}/events", json={"records": _feed(mine)[0]}).status_code == 404
    assert other.get(f"{BASE}/events").json()["total"] == 0
    assert other.get(f"{BASE}/events", params={"restaurant": mine}).status_code == 404
    refused = other.post(f"{BASE}/events/{pending}/review", json={"verdict": "dismissed"})
    assert refused.status_code == 404

    waiting = admin.get(f"{BASE}/events", params={"verdict": "pending"}).json()
    assert [e["id"] for e in waiting["events"]] == [pending]
    assert waiting["events"][0]["snapshot"]["sha256"]
    done = admin.post(f"{BASE}/events/{pending}/review", json={"verdict": "dismissed"})
    assert done.status_code == 200, done.text
    assert done.json()["verdict"] == "dismissed"
    assert done.json()["reviewed_by"].startswith("staff:")

    assert admin.post(f"{BASE}/run").status_code == 403  # the regulator runs the monitor
    ran = inspector.post(f"{BASE}/run")
    assert ran.status_code == 200, ran.text
    assert len(ran.json()["escalated"]) == 1
    every = inspector.get(f"{BASE}/alerts").json()["alerts"]
    assert [(a["type"], a["rule"], a["restaurant"]) for a in every] == [
        ("signal", "kitchens.rodents", mine)
    ]
    assert other.get(f"{BASE}/alerts").json() == {"alerts": []}
    assert admin.get(f"{BASE}/state").json() == {"pending": 0, "flagged": 0, "open_signals": 1}
    assert other.get(f"{BASE}/state").json()["open_signals"] == 0
    cams = inspector.get(f"{BASE}/cameras", params={"restaurant": mine}).json()["cameras"]
    assert {c["camera"]: c["dismissed"] for c in cams} == {"CAM01": 0, "CAM02": 1}
    assert admin.post(f"{BASE}/cameras/{mine}/CAM01/fixed").status_code == 404  # not flagged
    assert other.post(f"{BASE}/cameras/{mine}/CAM01/fixed").status_code == 404

    # bad input is 422 naming the field, and nothing of the batch is stored
    records, _ = _feed(mine)
    records[0]["confidence"] = 1500
    bad = admin.post(f"{BASE}/events", json={"records": records})
    assert bad.status_code == 422
    assert "confidence" in bad.text
    unknown = admin.post(
        f"{BASE}/events",
        json={
            "records": [
                reviewed(event(mine, "C", utcnow(), "phone"), "confirmed").model_dump(mode="json")
            ]
        },
    )
    assert unknown.status_code == 404 and "record 1: no event" in unknown.text
    verdict = admin.post(f"{BASE}/events/x/review", json={"verdict": "maybe"})
    assert verdict.status_code == 422 and "verdict" in verdict.text
    assert admin.get(f"{BASE}/events", params={"verdict": "all"}).status_code == 422
    assert admin.get(f"{BASE}/events").json()["total"] == 2
