"""The smart-elevator monitor's page (web/portal/monitor_elevators.py) through the app, on
SQLite and PostgreSQL: the regulator sees the elevators by state, the open entrapments, the
overdue maintenance by firm and the alerts with their signals, in the three languages; a firm
sees its own elevators and alerts and nothing of another firm's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.monitors.elevators import service
from fairscreen.monitors.elevators.ingest import ingest
from fairscreen.monitors.elevators.records import parse
from fairscreen.monitors.elevators.rules import load_pack
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database

PAGE = "/regulator/monitors/elevators"


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    made = make_world(db, vault)
    keeper, other = made.orgs["employer"]
    now = utcnow()
    since = (now - timedelta(days=40)).isoformat()
    trapped = (now - timedelta(hours=2)).isoformat()
    records = [
        {"type": "elevator", "id": "E-LATE", "user_unit": "F000009", "maintainer": keeper,
         "x": 1, "y": 1, "place": "tower A", "since": since},
        {"type": "status", "elevator": "E-LATE", "at": since, "state": "running", "load": 30},
        {"type": "event", "id": "ev-1", "elevator": "E-LATE", "kind": "entrapment", "at": trapped},
        {"type": "elevator", "id": "E-OTHER", "user_unit": other, "maintainer": "F000010",
         "x": 1, "y": 1, "place": "tower B", "since": now.isoformat()},
    ]  # fmt: skip
    with db.sessions.begin() as session:
        ingest(session, [(f"r{i}", parse(r, f"r{i}")) for i, r in enumerate(records)])
        service.run(session, load_pack(), now)
    return made


def test_the_regulator_sees_the_monitor_in_three_languages(world: World) -> None:
    keeper = world.orgs["employer"][0]
    inspector = world.client("regulator_inspector")
    page = inspector.get(PAGE, headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    text = page.text
    assert "Smart elevators" in text and "Open entrapments past the rescue limit" in text
    assert "E-LATE" in text and "Entrapment not answered in time" in text
    assert "Maintenance overdue" in text and keeper in text  # overdue maintenance by firm
    assert 'href="/regulator/signals/' in text  # each alert links its supervision signal
    assert 'name="viewport"' in text  # the base layout's, for phone widths
    assert '<p class="back"><a href="/regulator/monitors">Monitors</a></p>' in text
    assert "智慧電梯" in inspector.get(PAGE, headers={"Accept-Language": "zh-Hant"}).text
    assert "智慧电梯" in inspector.get(PAGE, headers={"Accept-Language": "zh-Hans"}).text
    only_open = inspector.get(
        PAGE,
        params={"rule": "elevators.repeated_faults", "open": "1"},
        headers={"Accept-Language": "en"},
    ).text
    assert "0 alerts" in only_open


def test_a_firm_sees_only_its_own(world: World) -> None:
    mine = world.client("employer_admin").get(PAGE, headers={"Accept-Language": "en"})
    assert mine.status_code == 200 and "E-LATE" in mine.text
    theirs = world.client("employer_admin", tenant=1).get(PAGE, headers={"Accept-Language": "en"})
    assert theirs.status_code == 200
    assert "E-LATE" not in theirs.text and "No alert." in theirs.text
    assert "No entrapment is waiting past the limit." in theirs.text
