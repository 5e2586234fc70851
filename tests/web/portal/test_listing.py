"""The staff list of checks from its sealed listing (web/portal/listing.py), on SQLite and
PostgreSQL: the light and the client's reference are kept sealed next to the check, taken again
when a reinvestigation issues a new report version, filtered on in order across pages, and
never readable from the database without the candidate's data key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from fairscreen.candidates.models import Candidate
from fairscreen.kit.db import table_of
from fairscreen.kit.ids import new_id
from fairscreen.kit.settings import get_settings
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.online import data_key_sealer
from fairscreen.screening.report import open_content, seal_content
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.feedback.test_cases import ZHANG_CLAIMS

LIGHTS = ("green", "blue", "yellow", "red")


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "zhang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def badges(html: str) -> list[str]:
    return re.findall(r'class="badge light-(\w+)"', html)


def stored(world: World, check_id: str) -> tuple[bytes | None, str | None, str | None]:
    """The check's sealed listing, the report it was taken from, and its latest report."""
    with world.db.sessions() as session:
        row = session.get(CheckRequest, check_id)
        assert row is not None
        latest = session.scalars(
            select(Report.id).where(Report.request_id == check_id).order_by(Report.version.desc())
        ).first()
        return row.listing_ct, row.listing_of, latest


def test_a_reinvestigation_changes_the_light_in_the_list(world: World) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    recruiter, reviewer = flow.staff("recruiter"), flow.staff("agency_reviewer")
    assert stored(world, flow.check_id)[0] is None  # taken the first time the list shows it
    page = recruiter.get("/staff/checks").text
    assert badges(page) == ["yellow"] and "C-ZHANG" in page
    sealed, of, latest = stored(world, flow.check_id)
    assert sealed is not None and of == latest
    for clear in (b"yellow", b"C-ZHANG"):
        assert clear not in sealed  # sealed under the candidate's data key
    # the agency's staff see the same row, from the agency's side of the index
    assert badges(reviewer.get("/staff/checks").text) == ["yellow"]

    finding = flow.report(recruiter).json()["versions"][0]["reasons"][0]["findings"][0]
    assert flow.candidate is not None
    opened = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes", json={"finding": finding, "text": "外包"}
    )
    assert opened.status_code == 201, opened.text
    assert "1 open" in recruiter.get("/staff/checks", headers={"Accept-Language": "en"}).text
    resolved = reviewer.post(
        f"{BASE}/disputes/{opened.json()['id']}/resolve", json={"outcome": "deleted"}
    )
    assert resolved.status_code == 200, resolved.text
    # a new version: the stored listing is stale until the list takes it again
    assert stored(world, flow.check_id)[1] != stored(world, flow.check_id)[2]
    page = recruiter.get("/staff/checks", headers={"Accept-Language": "en"}).text
    assert badges(page) == ["green"] and "version 2" in page and "1 open" not in page
    _, of, latest = stored(world, flow.check_id)
    assert of == latest
    assert badges(recruiter.get("/staff/checks?light=yellow").text) == []
    assert badges(recruiter.get("/staff/checks?light=green").text) == ["green"]


def clone(world: World, check_id: str, n: int) -> dict[str, str]:
    """``n`` more checks of the same employer, each with a report sealed under the candidate's
    key, lights in turn; returns each check's light."""
    checks, reports = table_of(CheckRequest), table_of(Report)
    lights: dict[str, str] = {}
    with world.db.sessions.begin() as session:
        row = session.execute(select(checks).where(checks.c.id == check_id)).mappings().one()
        report = (
            session.execute(select(reports).where(reports.c.request_id == check_id))
            .mappings()
            .one()
        )
        candidate = session.get(Candidate, row["candidate_id"])
        assert candidate is not None
        sealer = data_key_sealer(session, world.vault, candidate.data_key_id)
        content = open_content(sealer, report["id"], bytes(report["content_ct"]))
        for i in range(n):
            cid, rid = new_id(), new_id()
            lights[cid] = LIGHTS[i % 4]
            at = row["scope_fixed_at"] - timedelta(minutes=i + 1)
            fake = 10_000_000 + 2 * i  # no ledger entries of their own: past the log's end
            session.execute(
                insert(checks),
                [
                    {
                        **row,
                        "id": cid,
                        "consent_id": None,
                        "scope_fixed_at": at,
                        "ledger_index": fake,
                    }
                ],
            )
            session.execute(
                insert(reports),
                [
                    {
                        **report,
                        "id": rid,
                        "request_id": cid,
                        "issued_at": at,
                        "content_ct": seal_content(sealer, rid, {**content, "light": lights[cid]}),
                        "ledger_index": fake + 1,
                    }
                ],
            )
    return lights


def test_filtering_by_light_pages_through_every_match_in_order(world: World) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    lights = {flow.check_id: "yellow", **clone(world, flow.check_id, 2 * listing_page() + 7)}
    recruiter = flow.staff("recruiter")
    for light in LIGHTS:
        seen: list[str] = []
        page = 0
        while True:
            html = recruiter.get(f"/staff/checks?light={light}&page={page}").text
            assert set(badges(html)) <= {light}
            seen += re.findall(r'href="/staff/checks/([0-9a-f]{32})"', html)
            if "page=" + str(page + 1) not in html:
                break
            page += 1
        assert seen == [c for c in lights if lights[c] == light]  # newest first, none twice
    # without a filter: every check once, in order, over the pages
    everything: list[str] = []
    for page in range(3):
        html = recruiter.get(f"/staff/checks?page={page}").text
        everything += re.findall(r'href="/staff/checks/([0-9a-f]{32})"', html)
    assert everything == list(lights)
    # another tenant's staff see none of them
    assert badges(flow.staff("recruiter", tenant=1).get("/staff/checks").text) == []


def listing_page() -> int:
    from fairscreen.web.portal.staff import PAGE_SIZE

    return PAGE_SIZE


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_page_is_one_query_on_the_organisations_index(world: World) -> None:
    """SQLite's plan for a page: the employer's (or agency's) listing index, in its order (no
    sort of every check), each per-check count on that check's own rows."""
    from fairscreen.accounts.policy import Scope
    from fairscreen.web.portal import listing

    for kind in ("employer", "agency"):
        scope = Scope("own_org", world.orgs[kind][0])
        with world.db.sessions() as session:
            stmt = listing._query(session, scope, None).limit(51)
            sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            plan = " | ".join(
                str(row[3])
                for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
        assert f"ix_check_requests_{kind}_listed" in plan, plan
        assert "TEMP B-TREE" not in plan and "SCAN" not in plan, plan
        assert "ix_disputes_request_id" in plan, plan
