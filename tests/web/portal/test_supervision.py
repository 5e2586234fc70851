"""The supervision pages (web/portal/supervision.py) through the app, on SQLite and PostgreSQL:
the inspector's signals queue with filters and a signal whose evidence verifies against the
log's signed checkpoint; the tiers with their explanations, an override and an appeal answered
through the forms (CSRF checked); the firm's own view and its appeal form; the plan as a month
calendar, a day and an inspector; the public check of an inspection code, genuine or not; the
inspector's findings form and the firm's feedback form (one service with the API, CSRF checked,
errors naming the field, three languages); and times shown in Shanghai time. Another firm sees
nothing of these."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from fairscreen.kit.clock import local_date, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.ledger import checkpoints
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite import service as offsite
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.signals import BACKGROUND_SCREENING
from fairscreen.supervision.tiers import shipped_rules
from fairscreen.vault import Vault
from fairscreen.web.portal.i18n import Text
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
    with world.db.sessions.begin() as session:  # the district's day, as the signals' dates are
        tiers_service.store_tiers(
            session, shipped_rules(), Register([office], [], [firm]), local_date(now), now=now
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
    with world.db.sessions() as session:  # shown in Shanghai time, by the portals' formatter
        opened = offsite.get_signal(session, signal_id, org=None).opened_at
    assert Text("en").datetime(opened) in page.text
    assert opened.strftime("%Y-%m-%d %H:%M") not in page.text
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
    assert f"Visits on {Text('en').date(first)}" in day  # the plan's day, as a district date
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


SHANGHAI = timezone(timedelta(hours=8))
API = "/api/v1/supervision"


def _visit(world: World, visit: str, start: datetime) -> str:
    made = world.client("regulator_inspector").post(
        f"{API}/visits",
        json={
            "id": visit,
            "org": world.orgs["employer"][0],
            "scenarios": [BACKGROUND_SCREENING, "catering"],
            "team": [{"id": "INS-0042", "name": "陳明"}],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    return str(made.json()["code"])


def test_the_inspector_records_findings_on_the_regulators_pages(world: World) -> None:
    code = _visit(world, "V-FORM", datetime(2026, 12, 10, 7, 0, tzinfo=SHANGHAI))
    inspector = world.client("regulator_inspector")
    listed = inspector.get("/regulator/inspections", headers=EN).text
    assert f'href="/regulator/inspections/{code}"' in listed and "1 inspection" in listed
    url = f"/regulator/inspections/{code}"
    page = inspector.get(url, headers=EN).text
    # the window in Shanghai time: 07:00 on the 10th there is 23:00 on the 9th in UTC
    assert "Dec 10, 2026" in page and "7:00" in page and "Shanghai time" in page
    assert "Dec 9, 2026" not in page and "23:00" not in page
    assert '<option value="favourable">' in page  # the 普法碼 of guidance.toml
    assert '<option value="decision.favourable_light">' in page  # an off-site rule
    assert '<option value="food_safety">' in page  # a matter of the visit's catering scenario

    def post(**fields: Any) -> Any:
        return inspector.client.post(
            url + "/findings", data={"csrf": inspector.csrf, **fields}, headers=EN
        )

    def concluded() -> Any:
        return Api(world.app()).get(f"{API}/codes/{code}").json()["concluded_at"]

    assert inspector.client.post(url + "/findings", data={"csrf": "forged"}).status_code == 403
    empty = post(rule=["", ""], guidance=["", ""], note=["", ""])
    assert empty.status_code == 422 and "nothing was found" in empty.text
    # the second row lacks the inspector's words: the error names the row and the field, and
    # what was typed is still in the form
    half = post(
        rule=["decision.favourable_light", "food_safety"],
        guidance=["favourable", "consent"],
        note=["Two not-hires against green reports.", ""],
    )
    assert half.status_code == 422
    assert "Finding 2" in half.text and "<code>note</code>" in half.text
    assert "Two not-hires against green reports." in half.text
    assert 'value="food_safety"' in half.text
    unknown = post(rule=["x"], guidance=["nonsense"], note=["n"])
    assert unknown.status_code == 422 and "<code>guidance</code>" in unknown.text
    assert concluded() is None  # nothing was half-written
    assert (
        world.client("employer_admin")
        .client.post(url + "/findings", data={"csrf": world.client("employer_admin").csrf})
        .status_code
        == 403
    )

    done = inspector.client.post(
        url + "/findings",
        data={
            "csrf": inspector.csrf,
            "rule": ["decision.favourable_light", ""],
            "guidance": ["favourable", ""],
            "note": ["Two not-hires against green reports.", ""],
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert concluded() is not None
    findings = Api(world.app()).get(f"{API}/codes/{code}").json()["findings"]
    assert [(f["rule"], f["guidance"]["code"]) for f in findings] == [
        ("decision.favourable_light", "favourable")
    ]
    shown = inspector.get(done.headers["location"], headers=EN).text
    assert "The findings are recorded" in shown and 'name="note"' not in shown
    assert "green or blue report gives no reason" in shown
    # in the other two languages: the page and the guidance
    hant = inspector.get(url, headers={"Accept-Language": "zh-TW"}).text
    assert "企業的回饋" in hant and "綠燈、藍燈的報告" in hant
    hans = inspector.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert "企业的反馈" in hans and "绿灯、蓝灯的报告" in hans
    again = post(rule=["x"], guidance=["consent"], note=["again"])
    assert again.status_code == 422 and "concluded already" in again.text


def test_nothing_found_concludes_the_visit(world: World) -> None:
    code = _visit(world, "V-CLEAN", utcnow() + timedelta(days=1))
    inspector = world.client("regulator_inspector")
    url = f"/regulator/inspections/{code}/findings"
    both = inspector.client.post(
        url,
        data={"csrf": inspector.csrf, "rule": "x", "note": "y", "nothing_found": "yes"},
    )
    assert both.status_code == 422 and "nothing_found" in both.text
    made = inspector.client.post(
        url, data={"csrf": inspector.csrf, "nothing_found": "yes"}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    seen = Api(world.app()).get(f"{API}/codes/{code}").json()
    assert seen["concluded_at"] is not None and seen["findings"] == []
    assert "Nothing was found." in Api(world.app()).get(f"/inspection/{code}", headers=EN).text


def test_the_firm_gives_feedback_on_the_public_page(world: World) -> None:
    code = _visit(world, "V-FB", utcnow() + timedelta(days=1))
    page_url, post_url = f"/inspection/{code}", f"/inspection/{code}/feedback"
    admin = world.client("employer_admin")
    # before the visit is concluded: no form, and the service refuses
    assert 'name="rating"' not in admin.get(page_url, headers=EN).text
    early = admin.client.post(post_url, data={"csrf": admin.csrf, "rating": "4"})
    assert early.status_code == 409 and "not concluded" in early.text
    inspector = world.client("regulator_inspector")
    done = inspector.client.post(
        f"/regulator/inspections/{code}/findings",
        data={"csrf": inspector.csrf, "rule": "scope", "guidance": "scope", "note": "Fix."},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text

    anyone = Api(world.app()).get(page_url, headers=EN).text
    assert "Fix." in anyone and 'name="rating"' not in anyone
    assert f'href="/login?next=/inspection/{code}"' in anyone
    other = world.client("employer_admin", 1).get(page_url, headers=EN).text
    assert 'name="rating"' not in other and "Only the visited firm" in other
    mine = admin.get(page_url, headers=EN).text
    assert 'name="rating"' in mine and 'name="csrf"' in mine
    assert 'name="rating"' in admin.get(page_url, headers={"Accept-Language": "zh-CN"}).text

    words = "指導具體，清楚知道問題在哪。"
    forged = admin.client.post(post_url, data={"csrf": "forged", "rating": "4", "text": words})
    assert forged.status_code == 403
    no_rating = admin.client.post(post_url, data={"csrf": admin.csrf, "text": words}, headers=EN)
    assert no_rating.status_code == 422 and "rating" in no_rating.text
    assert words in no_rating.text  # what was written is kept
    too_high = admin.client.post(post_url, data={"csrf": admin.csrf, "rating": "9"})
    assert too_high.status_code == 422 and "rating" in too_high.text
    stranger = world.client("employer_admin", 1)
    refused = stranger.client.post(post_url, data={"csrf": stranger.csrf, "rating": "1"})
    assert refused.status_code == 404
    given = admin.client.post(
        post_url,
        data={"csrf": admin.csrf, "rating": "4", "text": words},
        follow_redirects=False,
    )
    assert given.status_code == 303, given.text
    assert "Thank you" in admin.get(given.headers["location"], headers=EN).text
    # the inspectorate reads it, once
    seen = inspector.get(f"/regulator/inspections/{code}", headers=EN).text
    assert seen.count(words) == 1 and "4 of 5" in seen
