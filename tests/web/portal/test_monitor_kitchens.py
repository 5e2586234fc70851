"""The monitors' index and the bright-kitchens page through the app (SQLite and PostgreSQL): the
index lists the three monitors with the kitchens' live state (the others as not installed when
their packages are absent); the page shows events awaiting review, events by kind, the camera
flagged for crying wolf and the escalated signal; the confirm form needs the CSRF token; a
firm's administrator sees only its own restaurant and records its camera fixed; three
languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.monitors.kitchens import service
from fairscreen.monitors.kitchens.events import Record
from fairscreen.monitors.kitchens.pack import shipped_pack
from fairscreen.vault import Vault
from fairscreen.web.portal import monitors
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.monitors.kitchens.helpers import event, reviewed

URL = "/regulator/monitors/kitchens"
EN = {"Accept-Language": "en"}


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def test_the_index_and_the_kitchens_page(world: World) -> None:
    mine, theirs = world.orgs["employer"]
    start = utcnow() - timedelta(days=20)
    records: list[Record] = []
    for i in range(70):  # mine: a camera that cries wolf
        e = event(mine, "WOLF", start + i * timedelta(hours=5), "no_hat")
        records += [e, reviewed(e, "dismissed")]
    rat = event(theirs, "CAM01", start, "rodent")
    waiting = event(theirs, "CAM02", start + timedelta(days=1), "smoking")
    records += [rat, reviewed(rat, "confirmed"), waiting]
    with world.db.sessions.begin() as session:
        service.ingest(session, records, now=utcnow())
        ran = service.run(session, shipped_pack(), now=utcnow())
    assert ran.flagged == [(mine, "WOLF")] and len(ran.escalated) == 1

    anonymous = world.client()
    for path in ("/regulator/monitors", URL):
        away = anonymous.client.get(path, follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"].startswith("/login"), path

    inspector = world.client("regulator_inspector")
    home = inspector.get("/regulator", headers=EN)
    assert 'href="/regulator/monitors"' in home.text
    index = inspector.get("/regulator/monitors", headers=EN)
    assert index.status_code == 200, index.text
    assert set(monitors.KNOWN) == {"livestream", "elevators", "kitchens"}
    assert f'href="{URL}"' in index.text
    assert "awaiting review: <strong>1</strong>" in index.text
    assert "cameras flagged: <strong>1</strong>" in index.text
    # every monitor of this build has registered its page and its live state
    assert set(monitors.REGISTRY) == set(monitors.KNOWN)
    assert "Not part of this installation." not in index.text
    for page_url in ("/regulator/monitors/elevators", "/regulator/monitors/livestream"):
        assert f'href="{page_url}"' in index.text
    assert "elevators reporting: <strong>0</strong>" in index.text
    assert "rooms read: <strong>0</strong>" in index.text

    page = inspector.get(URL, headers=EN)
    assert page.status_code == 200, page.text
    assert "Smoking" in page.text and waiting.snapshot.ref in page.text  # awaiting review
    assert "kitchens.rodents" in page.text  # the signal
    assert "<code>WOLF</code>" in page.text and "70 / 70" in page.text  # flagged, 70 of 70
    assert inspector.get(URL, headers={"Accept-Language": "zh-Hans"}).text.count("明厨亮灶") >= 1
    assert "明廚亮灶" in inspector.get(URL, headers={"Accept-Language": "zh-Hant"}).text

    form = f"{URL}/events/{waiting.id}/review"
    forged = inspector.client.post(form, data={"verdict": "confirmed", "csrf": "forged"})
    assert forged.status_code == 403
    done = inspector.client.post(
        form, data={"verdict": "confirmed", "csrf": inspector.csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    with world.db.sessions() as session:
        assert service.summary(session)["pending"] == 0
    # the regulator does not record a firm's camera fixed
    fixed = f"{URL}/cameras/{mine}/WOLF/fixed"
    assert inspector.client.post(fixed, data={"csrf": inspector.csrf}).status_code == 403

    admin = world.client("employer_admin")  # mine
    own = admin.get(URL, headers=EN)
    assert own.status_code == 200
    assert "<code>WOLF</code>" in own.text and "kitchens.rodents" not in own.text
    assert waiting.snapshot.ref not in own.text
    other = world.client("employer_admin", tenant=1)
    assert other.client.post(fixed, data={"csrf": other.csrf}).status_code == 404
    assert (
        admin.client.post(fixed, data={"csrf": admin.csrf}, follow_redirects=False).status_code
        == 303
    )
    with world.db.sessions() as session:
        assert service.summary(session) == {"pending": 0, "flagged": 0, "open_signals": 1}


def test_the_kitchens_lists_come_in_pages(world: World) -> None:
    mine, _ = world.orgs["employer"]
    start = utcnow() - timedelta(days=5)
    waiting = [event(mine, "CAM01", start + i * timedelta(minutes=7), "no_mask") for i in range(23)]
    with world.db.sessions.begin() as session:
        service.ingest(session, list(waiting), now=utcnow())
    inspector = world.client("regulator_inspector")
    refs = {e.snapshot.ref for e in waiting}

    first = inspector.get(URL, headers=EN).text
    assert '<p class="back"><a href="/regulator/monitors">Monitors</a></p>' in first
    assert sum(ref in first for ref in refs) == 10 and "1 / 3" in first
    assert 'href="?pending_page=2#pending" rel="next"' in first and 'rel="prev"' not in first
    shown: set[str] = set()
    for n in (1, 2, 3):
        text = inspector.get(URL, params={"pending_page": n, "firms_page": 1}, headers=EN).text
        shown |= {ref for ref in refs if ref in text}
        assert f"{n} / 3" in text
    assert shown == refs  # every event on one page or another
    last = inspector.get(URL, params={"firms_page": 1, "pending_page": 3}, headers=EN).text
    assert sum(ref in last for ref in refs) == 3 and 'rel="next"' not in last
    # the link back keeps the other list's page
    assert 'href="?firms_page=1&amp;pending_page=2#pending" rel="prev"' in last
    assert inspector.get(URL, params={"pending_page": "x"}, headers=EN).status_code == 422
