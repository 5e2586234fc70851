"""The US pack through the whole workflow: a US employer's check, its pre-adverse notice, and a
not-hire refused until five business days have passed (FCRA §1681b(b)(3) as practised; the
pack's ``pre_adverse_notice_calendar = "business"``), not five calendar days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from fairscreen.accounts import service
from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from tests.accounts.people import KIND_OF, World, add_staff, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.feedback.test_cases import refused

US = 2  # the tenant index of the US employer and agency
WEDNESDAY = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "us-chen.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    world = make_world(db, vault)
    with db.sessions.begin() as session:
        for kind in ("employer", "agency"):
            org = service.create_organisation(
                session, name=f"US {kind}", kind=kind, jurisdiction="US", now=utcnow()
            )
            world.orgs[kind].append(org)
            for role in (r for r, k in KIND_OF.items() if k == kind):
                email = f"{role}.us@{kind}.example"
                add_staff(session, org, role, email)
                world.staff[(role, US)] = email
    yield world
    get_settings.cache_clear()


def test_a_us_not_hire_waits_five_business_days(world: World) -> None:
    with frozen(WEDNESDAY):
        flow = Flow(world, "us-chen", "financial_institution", tenant=US)
        flow.invite("C-CHEN")
        assert flow.invitation["policy"].startswith("us@")
        flow.accept()
        flow.sign(separate_items=list(flow.invitation["separate_items"]))
        version = flow.report(flow.staff("recruiter")).json()["versions"][0]
        assert version["light"] == "red"  # FDIA §19: a dishonesty conviction bars a bank job
        reasons = [r["rule"] for r in version["reasons"]]
        notice = flow.staff("recruiter").post(
            f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": reasons[:1]}
        )
        assert notice.status_code == 201, notice.text
        # five business days from a Wednesday: the next Wednesday, not Monday
        assert notice.json()["waiting_until"] == (WEDNESDAY + timedelta(days=7)).isoformat()
    decision = f"{BASE}/checks/{flow.check_id}/decision"
    not_hire = {"outcome": "not_hire", "reasons": reasons[:1]}
    with frozen(WEDNESDAY + timedelta(days=6)):  # Tuesday: six calendar days, four business days
        refused(
            flow.staff("hiring_manager", fresh=True).post(decision, json=not_hire),
            "decision.waiting_period",
        )
    with frozen(WEDNESDAY + timedelta(days=7)):
        recorded = flow.staff("hiring_manager", fresh=True).post(decision, json=not_hire)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["flags"] == []
