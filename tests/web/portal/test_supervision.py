"""The supervision pages (web/portal/supervision.py) through the app, on SQLite and PostgreSQL:
the inspector's signals queue with filters and a signal whose evidence verifies against the
log's signed checkpoint; the tiers with their explanations, an override and an appeal answered
through the forms (CSRF checked); the firm's own view and its appeal form; the plan as a month
calendar, a day and an inspector; and the public check of an inspection code, genuine or not.
Another firm sees nothing of these."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.ledger import checkpoints
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite import service as offsite
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.signals import BACKGROUND_SCREENING
from fairscreen.supervision.tiers import shipped_rules
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.supervision.cities import AS_OF, YEAR, city

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(
    db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "luo.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def _zhang_pattern(world: World) -> str:
    """The employer insists on a not-hire against a green report; the off-site checks run.
    Returns the employer's id."""
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    decided = flow.staff("employer_admin").post(
        f"{BASE}/checks/{flow.check_id}/decision",
        json={"outcome": "not_hire", "reasons": [], "insist": True},
    )
    assert decided.status_code == 201, decided.text
    with world.db.sessions.begin() as session:
        offsite.run(session, now=utcnow())
    return str(world.orgs["employer"][0])


def _tiers(world: World, employer: str) -> None:
    office = Office(id="o1", name="Office", x=0, y=0)
    firm = Firm(id=employer, name="E", x=5, y=5, office="o1", scenarios=(BACKGROUND_SCREENING,))
    now = utcnow()
    with world.db.sessions.begin() as session:
        tiers_service.store_tiers(
            session, shipped_rules(), Register([office], [], [firm]), now.date(), now=now
        )


def _signal_ids(html: str) -> list[str]:
    return re.findall(r'href="/regulator/signals/([^"]+)"', html)


def test_the_signals_queue_and_a_signals_verified_evidence(world: World) -> None:
    employer = _zhang_pattern(world)
    inspector = world.client("regulator_inspector")
    queue = inspector.get("/regulator/signals", headers=EN)
    assert queue.status_code == 200
    assert "<code>decision.favourable_light</code>" in queue.text
    assert "<code>decision.no_notice</code>" in queue.text
    assert "2 signals" in queue.text
    serious = inspector.get("/regulator/signals?severity=serious", headers=EN).text
    assert "1 signal" in serious and "<code>decision.no_notice</code>" not in serious
    (signal_id,) = _signal_ids(serious)

    page = inspector.get(f"/regulator/signals/{signal_id}", headers=EN)
    assert "Not verified yet." in page.text and "no signed checkpoint" in page.text
    signer = checkpoints.load_signer(get_settings(), create=True)  # the log's key, on disk
    checkpoints.publish(world.db.sessions, signer)
    page = inspector.get(f"/regulator/signals/{signal_id}", headers=EN)
    assert "Verified." in page.text and "decision.recorded" in page.text
    assert re.search(r'href="/regulator/entry\?index=\d+"', page.text)

    # the employer sees its own signals; the agency and the other employer see none of them
    own = world.client("employer_admin").get("/regulator/signals", headers=EN).text
    assert sorted(_signal_ids(own)) == sorted(_signal_ids(queue.text))
    assert (
        world.client("employer_admin", 1).get(f"/regulator/signals/{signal_id}").status_code == 404
    )
    assert (
        world.client("agency_admin")
        .get("/regulator/signals", headers=EN)
        .text.count("/regulator/signals/")
        == 0
    )
    by_org = inspector.get(f"/regulator/signals?org={employer}", headers=EN).text
    assert sorted(_signal_ids(by_org)) == sorted(_signal_ids(queue.text))
    only = inspector.get(f"/regulator/signals?org={world.orgs['agency'][0]}", headers=EN)
    assert _signal_ids(only.text) == [] and "No signal." in only.text


def test_tiers_override_and_appeal_through_the_forms(world: World) -> None:
    employer = _zhang_pattern(world)
    _tiers(world, employer)
    inspector = world.client("regulator_inspector")
    listed = inspector.get("/regulator/tiers", headers=EN).text
    assert f'href="/regulator/tiers/{employer}"' in listed
    assert "Critical" in listed and "serious off-site signals" in listed

    firm = inspector.get(f"/regulator/tiers/{employer}", headers=EN).text
    assert "decision.favourable_light" in firm and 'name="reason"' in firm
    override = f"/regulator/tiers/{employer}/{BACKGROUND_SCREENING}/override"
    form = {"tier": "high", "reason": next(iter(shipped_rules().override_reasons))}
    forged = inspector.client.post(override, data={**form, "csrf": "forged"})
    assert forged.status_code == 403
    made = inspector.client.post(
        override, data={**form, "csrf": inspector.csrf}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    firm = inspector.get(made.headers["location"], headers=EN).text
    assert "Set by an inspector from Critical" in firm and "High risk" in firm

    # the firm's own view, and its appeal
    admin = world.client("employer_admin")
    mine = admin.get("/staff/supervision", headers=EN).text
    assert "High risk" in mine and "decision.favourable_light" in mine
    assert admin.get("/regulator/tiers", follow_redirects=False).headers["location"] == (
        "/staff/supervision"
    )
    filed = admin.client.post(
        "/staff/supervision/appeals",
        data={"scenario": BACKGROUND_SCREENING, "grounds": "Hired since.", "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    assert "Hired since." in admin.get("/staff/supervision", headers=EN).text
    empty = admin.client.post(
        "/staff/supervision/appeals", data={"scenario": BACKGROUND_SCREENING, "csrf": admin.csrf}
    )
    assert empty.status_code == 422 and "grounds" in empty.text
    # another employer's administrator reads nothing of it
    other = world.client("employer_admin", 1)
    assert other.get(f"/regulator/tiers/{employer}").status_code in (403, 404)
    assert "Hired since." not in other.get("/staff/supervision", headers=EN).text
    # the firm cannot override or answer
    assert admin.client.post(override, data={**form, "csrf": admin.csrf}).status_code == 403

    # the inspector answers the appeal
    firm = inspector.get(f"/regulator/tiers/{employer}", headers=EN).text
    (answer_url,) = re.findall(r'action="(/regulator/appeals/[^"]+/answer)"', firm)
    answered = inspector.client.post(
        answer_url,
        data={"upheld": "no", "answer": "The breach stands.", "csrf": inspector.csrf},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text
    shown = admin.get("/staff/supervision", headers=EN).text
    assert "The breach stands." in shown and "Dismissed" in shown


def test_the_plan_as_a_calendar_by_day_and_per_inspector(world: World) -> None:
    rules = shipped_rules()
    register = city(60, 4)
    now = datetime(2026, 12, 31, 18, tzinfo=UTC)
    with world.db.sessions.begin() as session:
        tiers_service.store_tiers(session, rules, register, AS_OF, now=now)
    stored, made, broken = tiers_service.make_and_store_plan(
        world.db.sessions, rules, register, YEAR, now=now
    )
    assert broken == []
    inspector = world.client("regulator_inspector")
    plans = inspector.get("/regulator/plans", headers=EN).text
    assert f'href="/regulator/plans/{stored.id}"' in plans
    first = min(v.day for v in made.visits if v.day is not None)
    month = inspector.get(f"/regulator/plans/{stored.id}?month={first.month}", headers=EN).text
    assert 'id="calendar"' in month
    day_url = f"/regulator/plans/{stored.id}/days/{first.isoformat()}"
    assert f'href="{day_url}"' in month
    on_day = [v for v in made.visits if v.day == first]
    day = inspector.get(day_url, headers=EN).text
    assert on_day and all(v.org in day for v in on_day)
    (who,) = re.findall(r'href="/regulator/plans/[^/]+/inspectors/([^"]+)"', month)[:1]
    theirs = inspector.get(f"/regulator/plans/{stored.id}/inspectors/{who}", headers=EN)
    assert theirs.status_code == 200 and "Visits of inspector" in theirs.text
    missing = inspector.get(f"/regulator/plans/{stored.id}/inspectors/nobody", headers=EN)
    assert missing.status_code == 404
    assert world.client("employer_admin").get("/regulator/plans").status_code == 403


def test_the_public_check_of_an_inspection_code(world: World) -> None:
    inspector = world.client("regulator_inspector")
    start = utcnow() + timedelta(days=2)
    made = inspector.post(
        "/api/v1/supervision/visits",
        json={
            "id": "V-PAGE",
            "org": world.orgs["employer"][0],
            "scenarios": [BACKGROUND_SCREENING],
            "team": [{"id": "INS-0042", "name": "陳明"}],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    code, token = made.json()["code"], made.json()["token"]
    anyone = Api(world.app())
    for shown in (code, token):
        page = anyone.get(f"/inspection/{shown}", headers=EN)
        assert page.status_code == 200 and "Genuine." in page.text and "陳明" in page.text
    unknown = anyone.get("/inspection/ABCD-EFGH-JKMN", headers=EN)
    assert unknown.status_code == 404 and "Not genuine." in unknown.text
    altered = token[:-6] + ("AAAAAA" if token[-6:] != "AAAAAA" else "BBBBBB")
    forged = anyone.get(f"/inspection/{altered}", headers=EN)
    assert forged.status_code in (404, 422) and "Not genuine." in forged.text
    assert "Traceback" not in forged.text

    done = inspector.post(
        f"/api/v1/supervision/codes/{code}/findings",
        json={
            "findings": [
                {"rule": "decision.favourable_light", "guidance": "favourable", "note": "Fix it."}
            ]
        },
    )
    assert done.status_code == 200, done.text
    after = anyone.get(f"/inspection/{code}", headers=EN).text
    assert "Fix it." in after and "How to fix it" in after
