"""A check's status in the portals (docs/jobs.md, docs/portals.md): the candidate's page and
the staff check page show where the check stands item by item, from the same
``jobs.status.check_status`` the API answers with: in progress, which item is late and why
(the social-insurance register is down), then complete with the silent item not checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from fairscreen.jobs.graph import Done, JobContext, Retry, run_query, run_rating
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import transaction
from fairscreen.kit.settings import get_settings
from fairscreen.screening.online import open_invited_check
from fairscreen.sources.http import HttpProvider
from fairscreen.sources.world import world_sources
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.feedback.test_cases import ZHANG_CLAIMS
from tests.provider.served import provider_server

ZHANG = CASES / "zhang.jsonl"
DAY = timedelta(days=1)


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # signed while no sandbox is set: the consent waits for its check, opened here as jobs
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", db.url)
    monkeypatch.delenv("FAIRSCREEN_SANDBOX_WORLD", raising=False)
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def _card(client: Api, url: str, language: str = "en") -> str:
    """The page's status card, its tags stripped to words."""
    page = client.get(url, headers={"Accept-Language": language})
    assert page.status_code == 200, page.text
    found = re.search(r'<section class="card" id="status">(.*?)</section>', page.text, re.S)
    assert found is not None, "no status card on " + url
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_portals_show_which_item_is_late_and_why_then_the_check_complete(
    world: World, db: Database, vault: Vault
) -> None:
    flow = Flow(world, "zhang", "software_engineering")
    flow.invite("C-ZHANG")
    candidate = flow.accept()
    signed = candidate.post(
        f"{BASE}/invitations/{flow.invitation['id']}/sign",
        json={
            "identity": {
                "name": "張偉明",
                "id_document": {"kind": "cn_resident_id", "number": "990105199107020376"},
                "birth_date": "1991-07-02",
            },
            "claims": ZHANG_CLAIMS,
            "items": flow.invitation["items"],
            "separate_items": [],
        },
    )
    assert signed.status_code == 201, signed.text
    now = utcnow()
    with transaction(db.sessions) as session:
        run, query_ids = open_invited_check(
            session, vault, flow.invitation["id"], now=now, deadline=now + DAY
        )
    check = run.request_id
    staff = flow.staff("recruiter")
    mine, theirs = f"/me/checks/{check}", f"/staff/checks/{check}"
    clock = {"now": now}

    with load_world(ZHANG) as store, provider_server(world_sources(store)) as served:
        served.outage(30 * 86400, ["social_insurance"])  # every other source answers
        provider = HttpProvider(served.url)
        ctx = JobContext(db.sessions, vault, provider, {}, clock=lambda: clock["now"])
        waiting = [q for q in query_ids if isinstance(run_query(ctx, q), Retry)]
        assert len(waiting) == 1

        api = candidate.get(f"{BASE}/checks/{check}/status").json()
        assert api["state"] == "in_progress" and api["late"] == ["employment"]
        for client, url in ((candidate, mine), (staff, theirs)):
            card = _card(client, url)
            assert "In progress" in card
            assert "Late: Employment history" in card
            row = re.search(r"Social insurance records (\w+) ([a-z ]+?) ", card)
            assert row is not None and row.group(1) == "Pending", card
            assert "the source is down" in card
            assert "Answered" in card  # the items whose sources answered
            assert "Complete" not in card
        assert "來源暫停服務" in _card(candidate, mine, "zh-Hant")
        assert "来源暂停服务" in _card(staff, theirs, "zh-Hans")
        # another organisation's staff see no card: the page is a 404, as the API's answer
        other = flow.staff("recruiter", 1 - flow.tenant)
        assert other.get(theirs).status_code == 404
        assert other.get(f"{BASE}/checks/{check}/status").status_code == 404

        clock["now"] = now + 2 * DAY  # past the deadline: the register is given up
        (outcome,) = [run_query(ctx, q) for q in waiting]
        assert isinstance(outcome, Done) and outcome.ready
        assert run_rating(ctx, check)
        provider.close()

    for client, url in ((candidate, mine), (staff, theirs)):
        card = _card(client, url)
        assert "Complete" in card and "report issued" in card
        assert "Employment history · Not checked: a source was unavailable" in card
        assert "Late:" not in card and "the source is down" not in card
