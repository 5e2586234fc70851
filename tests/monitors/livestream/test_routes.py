"""The livestream monitor over HTTP, as the running app serves it (SQLite and PostgreSQL): a
firm sends its own room and gets its alerts, acknowledges one; another firm sees none of them
(404 as for none at all); the labour inspector sees every firm's; bad input is 422 naming the
field; a room sent twice is 409; a role without the grant is 403."""

from __future__ import annotations

from typing import Any

import pytest

from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database

BASE = "/api/v1/monitors/livestream"


def _room(name: str = "R-0001", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "room": name,
        "host": "H-7f3a9c",
        "started_at": "2026-12-01T19:00:00+08:00",
        "listings": [
            {
                "product": "山楂饮",
                "category": "ordinary_food",
                "original_price_cents": 9900,
                "live_price_cents": 4900,
            }
        ],
        "segments": [
            {"start_ms": 0, "end_ms": 3000, "text": "这是我第一次来直播间"},
            {"start_ms": 5000, "end_ms": 8000, "text": "山楂饮是全网最低价"},
            {"start_ms": 9000, "end_ms": 12000, "text": "喝了能降血压"},
        ],
    }
    body.update(over)
    return body


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def test_a_firm_sends_its_room_and_only_it_and_the_regulator_see_the_alerts(
    world: World,
) -> None:
    mine = world.client("employer_admin")
    theirs = world.client("employer_admin", tenant=1)
    inspector = world.client("regulator_inspector")
    sent = mine.post(f"{BASE}/rooms", json=_room())
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["by_rule"] == {"absolute_terms": 1, "medical_claims": 1}
    firm = world.orgs["employer"][0]
    assert {a["firm"] for a in body["alerts"]} == {firm}
    alert = next(a for a in body["alerts"] if a["rule"] == "livestream.medical_claims")
    assert (alert["segment"], alert["start_ms"], alert["text"]) == (2, 9000, "喝了能降血压")

    prompt = mine.get(f"{BASE}/alerts/{alert['id']}").json()
    assert prompt["legal_basis"].startswith("广告法 第十七条") and prompt["title_zh"]
    assert mine.get(f"{BASE}/alerts").json()["total"] == 2
    assert mine.get(f"{BASE}", params={}).json()["by_rule"] == {
        "livestream.absolute_terms": 1,
        "livestream.medical_claims": 1,
    }

    # another firm: nothing, and the alert answers like one that does not exist
    assert theirs.get(f"{BASE}/alerts").json()["total"] == 0
    assert theirs.get(f"{BASE}/alerts", params={"firm": firm}).json()["total"] == 0
    unknown = theirs.get(f"{BASE}/alerts/{'0' * 32}")
    hidden = theirs.get(f"{BASE}/alerts/{alert['id']}")
    assert unknown.status_code == hidden.status_code == 404
    assert theirs.post(f"{BASE}/alerts/{alert['id']}/ack").status_code == 404
    assert theirs.get(f"{BASE}").json()["alerts"] == 0

    # the regulator sees every firm's, may filter by firm, and reads the live state
    assert inspector.get(f"{BASE}/alerts", params={"firm": firm}).json()["total"] == 2
    state = inspector.get(f"{BASE}").json()
    assert state["rooms"] == 1 and state["firms"][0]["firm"] == firm
    assert inspector.post(f"{BASE}/rooms", json=_room("R-2")).status_code == 403

    acked = mine.post(f"{BASE}/alerts/{alert['id']}/ack")
    assert acked.status_code == 200 and acked.json()["acknowledged_at"]
    assert mine.get(f"{BASE}/alerts", params={"open": True}).json()["total"] == 1

    again = mine.post(f"{BASE}/rooms", json=_room())
    assert again.status_code == 409 and "R-0001" in again.json()["detail"]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"host": "张三"}, "body.host"),
    ({"started_at": "2026-12-01T19:00:00"}, "body.started_at"),
    ({"segments": []}, "body.segments"),
    ({"segments": [{"start_ms": -1, "end_ms": 9, "text": "a"}]}, "body.segments.0.start_ms"),
]
REFUSED: list[tuple[dict[str, Any], str]] = [
    (
        {
            "segments": [
                {"start_ms": 5, "end_ms": 9, "text": "a"},
                {"start_ms": 1, "end_ms": 9, "text": "b"},
            ]
        },
        "segments.1.start_ms",
    ),
    ({"segments": [{"start_ms": 50, "end_ms": 9, "text": "a"}]}, "segments.0.end_ms"),
]


def test_bad_input_is_named_and_nothing_is_stored(world: World) -> None:
    admin = world.client("employer_admin")
    for over, field in BAD:
        answer = admin.post(f"{BASE}/rooms", json=_room(**over))
        assert answer.status_code == 422, answer.text
        assert field in answer.text, (field, answer.text)
    for over, field in REFUSED:  # well-formed, refused: 409 naming the field
        answer = admin.post(f"{BASE}/rooms", json=_room(**over))
        assert answer.status_code == 409, answer.text
        assert field in answer.json()["detail"]
    assert admin.get(f"{BASE}/alerts").json()["total"] == 0
