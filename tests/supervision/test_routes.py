"""Supervision over HTTP, as the running app serves it (SQLite and PostgreSQL): a labour
inspector reads every firm's tiers with their explanations, overrides one with a reason code,
reads the plan by day and per inspector and its draw; a firm's administrator sees only its
own organisation's tiers, appeals, and gets the answer; the tier rules are public."""

from __future__ import annotations

from typing import Any

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.supervision import service
from fairscreen.supervision.register import Register
from fairscreen.supervision.tiers import shipped_rules
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database
from tests.supervision.cities import AS_OF, YEAR, city

RULES = shipped_rules()


@pytest.fixture
def world(db: Database, vault: Vault) -> tuple[World, Register, str]:
    """A small city whose first two firms are the world's two employers; its tiers and plan."""
    made = make_world(db, vault)
    employers = made.orgs["employer"]

    def as_employer(record: dict[str, Any]) -> None:
        if record["type"] == "firm" and record["id"] in ("F000001", "F000002"):
            record["id"] = employers[int(record["id"][-1]) - 1]

    register = city(25, 8, edit=as_employer)
    with db.sessions.begin() as session:
        service.store_tiers(session, RULES, register, AS_OF, now=utcnow())
    stored, _, broken = service.make_and_store_plan(
        db.sessions, RULES, register, YEAR, now=utcnow()
    )
    assert broken == []
    return made, register, stored.id


def test_an_inspector_reads_every_tier_with_its_explanation(
    world: tuple[World, Register, str],
) -> None:
    made, register, _ = world
    inspector = made.client("regulator_inspector")
    listed = inspector.get("/api/v1/supervision/tiers", params={"limit": 1000}).json()
    assert listed["total"] == sum(len(f.scenarios) for f in register.firms.values())
    one = listed["tiers"][0]
    assert max(0, sum(t["points"] for t in one["explanation"]["terms"])) == one["score"]
    assert one["explanation"]["thresholds"] == {"medium": 20, "high": 45}


def test_a_firm_sees_its_own_tier_and_not_another_firms(world: tuple[World, Register, str]) -> None:
    made, _, _ = world
    mine, theirs = made.orgs["employer"]
    admin = made.client("employer_admin")
    listed = admin.get("/api/v1/supervision/tiers").json()
    assert listed["total"] >= 1 and {t["firm"] for t in listed["tiers"]} == {mine}
    assert admin.get(f"/api/v1/supervision/tiers/{mine}").status_code == 200
    assert admin.get(f"/api/v1/supervision/tiers/{theirs}").status_code == 404
    assert made.client("recruiter").get("/api/v1/supervision/tiers").status_code == 403


def test_override_then_appeal_then_answer(world: tuple[World, Register, str]) -> None:
    made, register, _ = world
    firm = made.orgs["employer"][0]
    scenario = register.firms[firm].scenarios[0]
    inspector = made.client("regulator_inspector")
    url = f"/api/v1/supervision/tiers/{firm}/{scenario}/override"
    refused = inspector.post(url, json={"tier": "high", "reason": "gut feeling"})
    assert refused.status_code == 422 and "reason" in refused.text
    done = inspector.post(url, json={"tier": "high", "reason": "new_evidence"})
    assert done.status_code == 201, done.text
    assert done.json()["to"] == "high" and done.json()["ledger_index"] >= 0
    admin = made.client("employer_admin")
    seen = admin.get(f"/api/v1/supervision/tiers/{firm}").json()["tiers"]
    assert next(t for t in seen if t["scenario"] == scenario)["tier"] == "high"
    filed = admin.post(
        "/api/v1/supervision/appeals",
        json={"scenario": scenario, "grounds": "the report was about another branch"},
    )
    assert filed.status_code == 201, filed.text
    other = made.client("employer_admin", tenant=1)
    assert other.get("/api/v1/supervision/appeals").json() == []
    assert [a["id"] for a in inspector.get("/api/v1/supervision/appeals").json()] == [
        filed.json()["id"]
    ]
    answer = inspector.post(
        f"/api/v1/supervision/appeals/{filed.json()['id']}/answer",
        json={"upheld": True, "answer": "corrected", "tier": "medium"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "upheld"
    again = inspector.post(
        f"/api/v1/supervision/appeals/{filed.json()['id']}/answer",
        json={"upheld": False, "answer": "twice"},
    )
    assert again.status_code == 409
    mine = admin.get("/api/v1/supervision/appeals").json()
    assert mine[0]["answer"] == "corrected"
    seen = admin.get(f"/api/v1/supervision/tiers/{firm}").json()["tiers"]
    current = next(t for t in seen if t["scenario"] == scenario)
    assert current["tier"] == "medium" and current["override"]["reason"] == "appeal_upheld"


def test_the_plan_by_day_per_inspector_and_its_draw(world: tuple[World, Register, str]) -> None:
    made, register, plan_id = world
    inspector = made.client("regulator_inspector")
    plans = inspector.get("/api/v1/supervision/plans").json()
    assert [p["id"] for p in plans] == [plan_id] and plans[0]["summary"]["broken"] == 0
    person = sorted(register.inspectors)[0]
    mine = inspector.get(f"/api/v1/supervision/plans/{plan_id}/inspectors/{person}").json()
    assert mine["visits"] and all(person in v["inspectors"] for v in mine["visits"])
    day = mine["visits"][0]["day"]
    routes = inspector.get(f"/api/v1/supervision/plans/{plan_id}/days/{day}").json()["teams"]
    team = mine["visits"][0]["team"]
    assert [v["order"] for v in routes[team]] == list(range(1, len(routes[team]) + 1))
    drawn = inspector.get(f"/api/v1/supervision/plans/{plan_id}/draw").json()
    assert drawn["reproduced"] is True and drawn["draws"]
    assert made.client("employer_admin").get("/api/v1/supervision/plans").status_code == 403


def test_the_rules_are_public(world: tuple[World, Register, str]) -> None:
    made, _, _ = world
    response = Api(made.app()).get("/models/supervision/tier-rules")
    assert response.status_code == 200
    assert response.headers["X-Rules-SHA256"] == RULES.digest
    assert response.text == RULES.text and int(response.headers["X-Ledger-Index"]) >= 0
