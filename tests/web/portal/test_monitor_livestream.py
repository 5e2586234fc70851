"""The livestream monitor's page (web/portal/monitor_livestream.py) through the app, on SQLite
and PostgreSQL: the inspector sees every firm's live rooms, alerts by rule with their legal
basis, the latest alerts and the signals they became, and each firm's own view; a firm's
administrator sees its own rooms only, never another firm's; a role without ``monitor.read``
gets 403; the page reads in the three languages and keeps the phone layout's labels."""

from __future__ import annotations

from datetime import UTC, datetime

from fairscreen.monitors.livestream import service
from fairscreen.monitors.livestream.detect import RuleDetector
from fairscreen.monitors.livestream.pack import shipped_pack
from fairscreen.vault import Vault
from tests.accounts.people import make_world
from tests.conftest import Database
from tests.monitors.livestream.rooms import room

EN = {"Accept-Language": "en"}
PAGE = "/regulator/monitors/livestream"


def test_the_inspector_and_each_firm_see_what_is_theirs(db: Database, vault: Vault) -> None:
    world = make_world(db, vault)
    mine, theirs = world.orgs["employer"]
    pack = shipped_pack()
    with db.sessions.begin() as session:
        service.ingest(
            session,
            [
                room(["全网最低价", "销量第一", "品质国家级"], name="R-MINE", firm=mine),
                room(["喝了能降血压"], name="R-THEIRS", firm=theirs),
            ],
            pack=pack,
            detector=RuleDetector(pack),
            now=datetime(2026, 12, 1, 12, tzinfo=UTC),
        )
    inspector = world.client("regulator_inspector")
    page = inspector.get(PAGE, headers=EN)
    assert page.status_code == 200, page.text
    text = page.text
    assert "Livestream commerce" in text and "livestream@2026.12.1" in text
    assert "livestream.absolute_terms" in text and "广告法 第九条第(三)项" in text
    assert "R-MINE" in text and "R-THEIRS" in text and "喝了能降血压" in text
    assert "/regulator/signals/" in text  # the repeated absolute terms became a signal
    assert 'data-label="What was said"' in text  # the phone layout labels each cell
    assert '<p class="back"><a href="/regulator/monitors">Monitors</a></p>' in text
    one = inspector.get(f"{PAGE}?firm={theirs}", headers=EN).text
    assert "R-THEIRS" in one and "R-MINE" not in one

    own = world.client("employer_admin").get(f"{PAGE}?firm={theirs}", headers=EN)
    assert own.status_code == 200
    assert "R-MINE" in own.text and "R-THEIRS" not in own.text and "喝了能降血压" not in own.text
    other = world.client("employer_admin", tenant=1).get(PAGE, headers=EN).text
    assert "R-THEIRS" in other and "R-MINE" not in other

    assert world.client("recruiter").get(PAGE, headers=EN).status_code == 403
    for language, *words in (
        ("zh-Hans", "直播电商", "按规则的警示"),
        ("zh-Hant", "直播電商", "按規則的警示"),
    ):
        shown = inspector.get(PAGE, headers={"Accept-Language": language}).text
        assert all(w in shown for w in words), language
