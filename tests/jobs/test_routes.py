"""A check's status through the API: in progress item by item with what is late and why, then
complete; for the check's own employer only (another organisation's staff get a 404)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from fairscreen.jobs.graph import Done, open_checks, run_query, run_rating
from fairscreen.screening.models import CheckRequest
from fairscreen.sources.http import HttpProvider
from fairscreen.sources.world import world_sources
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.accounts.people import add_staff, make_world
from tests.conftest import Database
from tests.jobs.checks import context
from tests.jobs.checks import make_world as make_check_world
from tests.provider.served import provider_server


def test_the_status_says_which_item_is_late_and_why_then_complete(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    accounts = make_world(db, vault)
    with (
        load_world(make_check_world(tmp_path / "w.jsonl", 2)) as store,
        provider_server(world_sources(store)) as served,
    ):
        served.outage(3600)
        provider = HttpProvider(served.url)
        ctx = context(db.sessions, vault, provider, store)
        pack = next(iter(ctx.packs.values()))[0]
        query_ids = open_checks(store, db.sessions, vault, pack, deadline=timedelta(days=1))
        for query_id in query_ids:
            run_query(ctx, query_id)
        with db.sessions.begin() as session:
            request_id, employer = session.execute(
                select(CheckRequest.id, CheckRequest.employer_id).where(
                    CheckRequest.status == "in_progress"
                )
            ).first()  # type: ignore[misc]
            add_staff(session, employer, "recruiter", "recruiter@check-employer.example")
        own = accounts.client()
        assert own.login("recruiter@check-employer.example").status_code == 200
        url = f"/api/v1/checks/{request_id}/status"

        body = own.get(url).json()
        assert body["state"] == "in_progress"
        assert body["items"] and body["late"] == [i["item"] for i in body["items"]]
        for item in body["items"]:
            assert item["status"] == "waiting"
            for source in item["sources"]:
                assert source["why"] == "the source is down"
                assert source["next_try_at"] is not None and source["attempts"] == 1

        assert accounts.client("recruiter").get(url).status_code == 404  # another employer
        assert accounts.client().get(url).status_code == 401

        served.outage(0)
        for query_id in query_ids:
            outcome = run_query(ctx, query_id)
            if isinstance(outcome, Done) and outcome.ready:
                run_rating(ctx, outcome.request_id)
        provider.close()
    body = own.get(url).json()
    assert body["state"] == "complete" and body["reported_at"] is not None
    assert body["late"] == [] and {i["status"] for i in body["items"]} == {"done"}
