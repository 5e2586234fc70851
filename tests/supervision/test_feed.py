"""The off-site signals feed the risk tiers: a firm's stored tier counts what the off-site
checks found of its organisation, its explanation names each signal, and a serious signal
keeps the firm critical until an inspection of it has concluded."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.feed import as_record
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.signals import BACKGROUND_SCREENING, Severity, Signal
from fairscreen.supervision.tiers import Tier, shipped_rules
from tests.accounts.people import World
from tests.feedback.flow import BASE, Flow
from tests.supervision.conftest import run, signals


def _register(org: str) -> Register:
    office = Office(id="o1", name="Office", x=0, y=0)
    firm = Firm(id=org, name="Employer", x=10, y=10, office="o1", scenarios=(BACKGROUND_SCREENING,))
    return Register([office], [], [firm])


def _tier(world: World, org: str) -> tiers_service.Effective:
    now = utcnow()
    with world.db.sessions.begin() as session:
        tiers_service.store_tiers(
            session, shipped_rules(), _register(org), now.date() + timedelta(days=1), now=now
        )
    with world.db.sessions() as session:
        return tiers_service.effective_tiers(session, firm=org)[(org, BACKGROUND_SCREENING)]


@pytest.mark.parametrize("world", ["luo"], indirect=True)
def test_an_open_serious_signal_makes_the_firm_critical_and_is_named(world: World) -> None:
    employer = world.orgs["employer"][0]
    before = _tier(world, employer)
    assert before.tier is not Tier.CRITICAL and before.computed.explanation["signals"] == []

    flow = Flow(world, "luo", "general_office").run("C-LUO")
    decided = flow.staff("employer_admin").post(
        f"{BASE}/checks/{flow.check_id}/decision",
        json={"outcome": "not_hire", "reasons": [], "insist": True},
    )
    assert decided.status_code == 201, decided.text
    run(world, utcnow())
    found = {s.rule: s.id for s in signals(world)}
    assert "decision.favourable_light" in found

    after = _tier(world, employer)
    assert after.tier is Tier.CRITICAL
    named = {s["rule"]: s for s in after.computed.explanation["signals"]}
    assert named["decision.favourable_light"]["id"] == found["decision.favourable_light"]
    assert named["decision.favourable_light"]["severity"] == "serious"
    assert named["decision.no_notice"]["severity"] == "major"  # high counts as major
    terms = {t["term"]: t for t in after.computed.explanation["terms"]}
    assert terms["signal_serious"]["count"] == 1 and terms["signal_major"]["count"] == 1
    assert after.computed.score > before.computed.score

    # an inspection of the firm concluded after the breach: the signal still counts, but the
    # firm is no longer critical
    inspector = world.client("regulator_inspector")
    start = utcnow() + timedelta(hours=1)
    issued = inspector.post(
        "/api/v1/supervision/visits",
        json={
            "id": "V-FEED",
            "org": employer,
            "scenarios": [BACKGROUND_SCREENING],
            "team": [{"id": "INS-0042", "name": "Inspector"}],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert issued.status_code == 201, issued.text
    done = inspector.post(
        f"/api/v1/supervision/codes/{issued.json()['code']}/findings", json={"findings": []}
    )
    assert done.status_code == 200, done.text
    visited = _tier(world, employer)
    assert visited.tier is not Tier.CRITICAL
    named = {s["rule"]: s for s in visited.computed.explanation["signals"]}
    assert not named["decision.favourable_light"]["open"]


def test_another_organisations_signals_do_not_count(world: World) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    decided = flow.staff("employer_admin").post(
        f"{BASE}/checks/{flow.check_id}/decision",
        json={"outcome": "not_hire", "reasons": [], "insist": True},
    )
    assert decided.status_code == 201, decided.text
    run(world, utcnow())
    agency = world.orgs["agency"][0]
    tier = _tier(world, agency)
    assert tier.tier is not Tier.CRITICAL and tier.computed.explanation["signals"] == []


def test_a_signals_day_is_the_districts_day() -> None:
    """A signal opened at 17:00 UTC on 31 December is one of 1 January in Shanghai (UTC+8): the
    tiers, whose as-of dates are the district's days, count it there; at 15:59 UTC it is still
    31 December there."""
    late = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    signal = Signal(
        "s1", "org", BACKGROUND_SCREENING, "query.no_consent", Severity.HIGH, late, late, (1,)
    )
    assert as_record(signal).on == date(2027, 1, 1)
    early = dataclasses.replace(signal, opened_at=late - timedelta(hours=1, minutes=1))
    assert as_record(early).on == date(2026, 12, 31)
