"""Zero reads or writes across tenants, per resource: every route of the API that names a check,
a dispute, a document, an invitation, a consent or a position is called with the real ids of
someone else's check (a complete one: notice, dispute with a document, decision), by another
employer's and another agency's staff of every role and by another candidate. Each answer is 404
(exactly what an unknown id gets) where the role has the action, 403 where it has not; and
nothing of the check changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute

from fairscreen.accounts import throttle
from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import policy
from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.ledger import log
from fairscreen.vault import Vault
from fairscreen.web.app import API_PREFIX, API_ROUTERS
from tests.accounts.people import KIND_OF, Api, World, candidate_client, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow, case_candidate
from tests.feedback.test_cases import PDF, ZHANG_CLAIMS

RESOURCE_PARAMS = {
    "check_id",
    "dispute_id",
    "document_id",
    "invitation_id",
    "consent_id",
    "position_id",
}


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "zhang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def _complete_check(world: World) -> tuple[Flow, dict[str, str]]:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    finding = flow.mine()["versions"][0]["reasons"][0]["findings"][0]
    notice = flow.staff("recruiter").post(
        f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]}
    )
    assert notice.status_code == 201, notice.text
    assert flow.candidate is not None
    dispute = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes", json={"finding": finding, "text": "不對"}
    ).json()["id"]
    document = flow.candidate.post(
        f"{BASE}/disputes/{dispute}/documents", params={"name": "a.pdf"}, content=PDF
    ).json()["id"]
    return flow, {
        "check_id": flow.check_id,
        "dispute_id": dispute,
        "document_id": document,
        "invitation_id": flow.invitation["id"],
        "consent_id": flow.consent["id"],
        "position_id": flow.position_id,
        "finding": finding,
    }


def _requirement(route: APIRoute) -> Require:
    found = next(d.call for d in route.dependant.dependencies if isinstance(d.call, Require))
    assert isinstance(found, Require)
    return found


def _calls(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, url, action, request keywords) of every route that names a resource of the
    check, with a valid request, so that only the resource check can refuse it."""
    person = case_candidate("zhang")
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/checks/{check_id}/notices"): {"json": {"reasons": ["CN-EMP-01"]}},
        ("POST", "/checks/{check_id}/decision"): {"json": {"outcome": "hire"}},
        ("POST", "/checks/{check_id}/disputes"): {"json": {"finding": ids["finding"], "text": "x"}},
        ("GET", "/checks/{check_id}/report"): {"params": {"purpose": "compliance_review"}},
        ("POST", "/disputes/{dispute_id}/documents"): {
            "params": {"name": "b.pdf"},
            "content": PDF,
        },
        ("POST", "/disputes/{dispute_id}/resolve"): {"json": {"outcome": "confirmed"}},
        ("POST", "/invitations/{invitation_id}/sign"): {
            "json": {
                "identity": {
                    "name": person["name"],
                    "id_document": person["id_document"],
                    "birth_date": person["birth_date"],
                },
                "items": ["identity"],
            }
        },
    }
    calls = []
    for prefix, router in API_ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            params = set(re.findall(r"\{(\w+)\}", route.path))
            if not params & RESOURCE_PARAMS:
                continue
            assert params <= RESOURCE_PARAMS, route.path
            action = _requirement(route).action
            assert action is not None, route.path
            for method in (route.methods or set()) - {"HEAD"}:
                kwargs = bodies.get((method, route.path))
                if kwargs is None:
                    assert method in ("GET", "DELETE") or route.path.endswith("/revoke"), (
                        f"{method} {route.path}: give this test a valid request for it"
                    )
                    kwargs = {}
                url = API_PREFIX + prefix + re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], route.path)
                calls.append((method, url, action, kwargs))
    return calls


def test_nobody_else_reaches_any_route_of_a_check(world: World) -> None:
    flow, ids = _complete_check(world)
    with frozen(utcnow() + timedelta(days=6)):  # past the waiting period: a decision may go
        decided = flow.staff("hiring_manager", fresh=True).post(
            f"{BASE}/checks/{flow.check_id}/decision",
            json={"outcome": "not_hire", "reasons": ["CN-EMP-01"], "insist": False},
        )
    assert decided.status_code == 409  # the open dispute freezes it
    before = flow.mine()
    with world.db.sessions() as session:
        size = log.read_state(session).size
    outsiders: dict[str, Api] = {}
    for role, kind in KIND_OF.items():
        if kind in ("employer", "agency"):
            throttle.reset()
            outsiders[role] = world.client(role, 1)
    outsiders["candidate"] = candidate_client(world, "someone.else@mail.example")
    calls = _calls(ids)
    assert len(calls) >= 15
    checked = 0
    for method, url, action, kwargs in calls:
        for role, api in outsiders.items():
            throttle.reset()
            response = api.request(method, url, **kwargs)
            granted = policy().grant(role, action) is not None
            expected = 404 if granted else 403
            assert response.status_code == expected, (role, method, url, response.text)
            assert ids["finding"] not in response.text
            checked += 1
    assert checked == len(calls) * len(outsiders)
    # nothing was written: the ledger did not grow, the check is as it was
    with world.db.sessions() as session:
        assert log.read_state(session).size == size
    after = flow.mine()
    assert after["versions"] == before["versions"] and after["decision"] is None
    # and an unknown id is answered exactly alike
    stranger = outsiders["recruiter"]
    unknown = stranger.get(f"{BASE}/checks/{'0' * 32}")
    theirs = stranger.get(f"{BASE}/checks/{ids['check_id']}")
    assert unknown.status_code == theirs.status_code == 404
    assert unknown.json()["title"] == theirs.json()["title"]
