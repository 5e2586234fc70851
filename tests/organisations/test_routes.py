"""Positions through the API: an employer's administrator declares them (the category one of its
pack's, the agency it engaged an agency), its staff and that agency read them, nobody else."""

from __future__ import annotations

from fairscreen.accounts import throttle
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database

BASE = "/api/v1/positions"


def signed_in(world: World, role: str, tenant: int = 0) -> Api:
    throttle.reset()  # many sign-ins from one test address
    return world.client(role, tenant)


def test_declaring_and_reading_positions(db: Database, vault: Vault) -> None:
    world = make_world(db, vault)
    admin = world.client("employer_admin")
    agency = world.orgs["agency"][0]
    body = {"title": "軟件工程師", "category": "software_engineering", "agency_id": agency}

    made = admin.post(BASE, json={**body, "reference": "P-DEV-1"})
    assert made.status_code == 201, made.text
    position = made.json()
    assert position["employer_id"] == world.orgs["employer"][0]
    assert position["agency_id"] == agency and position["reference"] == "P-DEV-1"
    # without a reference of its own, the position gets one
    plain = admin.post(BASE, json={"title": "行政", "category": "general_office"}).json()
    assert plain["reference"] == f"pos:{plain['id']}" and plain["agency_id"] is None

    # bad input names the field (the API's description says what is well-formed); nothing is
    # written
    for bad, field in (
        ({**body, "category": "astronaut"}, "body.category"),
        ({**body, "reference": "-starts-with-a-dash"}, "body.reference"),
        ({**body, "title": "   "}, "body.title"),
    ):
        refused = admin.post(BASE, json=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"] == field
    # an organisation that is not an agency is no agency at all
    not_agency = admin.post(BASE, json={**body, "agency_id": world.orgs["employer"][1]})
    assert not_agency.status_code == 404 and "agency_id" in not_agency.json()["detail"]
    taken = admin.post(BASE, json={**body, "reference": "P-DEV-1"})
    assert taken.status_code == 409 and "reference" in taken.json()["detail"]
    assert len(admin.get(BASE).json()) == 2

    # only an employer's administrator declares them
    for role in ("recruiter", "hiring_manager", "agency_analyst", "agency_admin"):
        assert signed_in(world, role).post(BASE, json=body).status_code == 403, role

    # the employer's staff and the engaged agency read it; another tenant gets 404, as for an
    # unknown id, and does not see it listed
    url = f"{BASE}/{position['id']}"
    for role in ("recruiter", "hiring_manager", "agency_analyst"):
        seen = signed_in(world, role).get(url)
        assert seen.status_code == 200 and seen.json()["id"] == position["id"], (role, seen.text)
    assert [p["id"] for p in signed_in(world, "agency_analyst").get(BASE).json()] == [
        position["id"]
    ]
    for role in ("recruiter", "agency_analyst"):
        other = signed_in(world, role, 1)
        assert other.get(url).status_code == 404, role
        assert other.get(f"{BASE}/{'0' * 32}").status_code == 404
        assert other.get(BASE).json() == []
