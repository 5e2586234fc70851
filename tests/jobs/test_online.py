"""Checks started online, as jobs: a candidate signs their consent through the real app.

- On PostgreSQL with ``FAIRSCREEN_CHECK_WORKERS`` set, signing queues the check's query jobs
  (nothing is asked in the request); a `fairscreen worker` process runs them, and the candidate
  gets the report the synchronous online path gives, told through the outbox as it tells them.
  On SQLite the setting is refused in one line naming it, and the consent stays signed.
- A source that stays down past the deadline: the candidate reads in their check's status which
  item is late and why, is told once (through the outbox) that the item will not be checked,
  and the report leaves the item out (``not_checked: source_unavailable``): the Zhang case's
  unconfirmed employment, yellow when the register answers, is no reason at all when it is
  silent (docs/jobs.md, "What light")."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from fairscreen.consent.models import Invitation
from fairscreen.jobs.graph import Done, JobContext, Retry, run_query, run_rating
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import transaction
from fairscreen.kit.settings import get_settings
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.screening.online import open_invited_check
from fairscreen.sources.http import HttpProvider
from fairscreen.sources.world import world_sources
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow, messages, subscribe
from tests.feedback.test_cases import ZHANG_CLAIMS
from tests.jobs.checks import start_cli, wait_until
from tests.provider.served import provider_server

ZHANG = CASES / "zhang.jsonl"
DAY = timedelta(days=1)


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(ZHANG))
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", db.url)
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield subscribe(make_world(db, vault))
    get_settings.cache_clear()


def _workers(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    if on:
        monkeypatch.setenv("FAIRSCREEN_CHECK_WORKERS", "1")
    else:
        monkeypatch.delenv("FAIRSCREEN_CHECK_WORKERS", raising=False)
    get_settings.cache_clear()


def _state(db: Database, check_id: str) -> str | None:
    with db.sessions() as session:
        return session.scalar(select(CheckRequest.status).where(CheckRequest.id == check_id))


def _compared(version: dict[str, Any]) -> dict[str, Any]:
    return {
        "light": version["light"],
        "rules": [r["rule"] for r in version["reasons"]],
        "not_checked": version["not_checked"],
    }


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_signing_queues_the_jobs_and_a_worker_reports_what_the_request_would_have(
    world: World, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _workers(monkeypatch, False)
    synchronous = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    expected = _compared(synchronous.mine()["versions"][0])

    _workers(monkeypatch, True)
    flow = Flow(world, "zhang", "software_engineering", contact="zhang.jobs@mail.example")
    flow.invite("C-ZHANG")
    flow.accept()
    signed = flow.sign(claims=ZHANG_CLAIMS)
    assert signed["check"]["status"] == "in_progress"
    with db.sessions() as session:
        queries = session.scalar(select(func.count()).where(CheckQuery.request_id == flow.check_id))
    with db.engine.connect() as conn:
        queued = conn.execute(
            text(
                "SELECT count(*) FROM procrastinate.procrastinate_jobs "
                "WHERE task_name = 'fairscreen.check.query' AND status = 'todo'"
            )
        ).scalar()
    assert queued == queries and queries
    assert flow.candidate is not None
    status = flow.candidate.get(f"{BASE}/checks/{flow.check_id}/status").json()
    assert status["state"] == "in_progress"
    assert {i["status"] for i in status["items"]} == {"waiting"}
    assert flow.candidate.get(f"{BASE}/checks/{flow.check_id}/report").json()["versions"] == []

    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "keys"),
        "FAIRSCREEN_SANDBOX_WORLD": str(ZHANG),
    }
    log = tmp_path / "worker.log"
    worker = start_cli(["worker", "--heartbeat", "0.5"], env, log)
    try:
        wait_until(lambda: _state(db, flow.check_id) == "reported", seconds=300)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, log.read_text()

    assert _compared(flow.mine()["versions"][0]) == expected
    status = flow.candidate.get(f"{BASE}/checks/{flow.check_id}/status").json()
    assert status["state"] == "complete" and status["late"] == []
    told = [p for _, r, p in messages(world, "report.issued") if p.get("check") == flow.check_id]
    recipients = {
        r for _, r, p in messages(world, "report.issued") if p.get("check") == flow.check_id
    }
    assert flow.contact in recipients  # the candidate, by e-mail
    assert {f"org:{world.orgs['employer'][0]}", f"org:{world.orgs['agency'][0]}"} <= recipients
    assert all(p.get("version") == 1 for p in told)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_workers_set_on_sqlite_is_one_line_and_the_consent_stays_signed(
    world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _workers(monkeypatch, True)
    flow = Flow(world, "zhang", "software_engineering")
    flow.invite("C-ZHANG")
    flow.accept()
    assert flow.candidate is not None
    signed = flow.candidate.post(
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
    check = signed.json()["check"]
    assert check["id"] is None and check["status"] == "pending"
    assert "FAIRSCREEN_CHECK_WORKERS" in check["detail"] and "\n" not in check["detail"]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckRequest)) == 0


def test_a_register_silent_past_the_deadline_is_told_shown_and_never_rated(
    world: World, db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Signed while the sandbox is unset: the consent waits for its check, opened here as jobs.
    monkeypatch.delenv("FAIRSCREEN_SANDBOX_WORLD")
    get_settings.cache_clear()
    flow = Flow(world, "zhang", "software_engineering")
    flow.invite("C-ZHANG")
    flow.accept()
    assert flow.candidate is not None
    person = {
        "name": "張偉明",
        "id_document": {"kind": "cn_resident_id", "number": "990105199107020376"},
        "birth_date": "1991-07-02",
    }
    signed = flow.candidate.post(
        f"{BASE}/invitations/{flow.invitation['id']}/sign",
        json={
            "identity": person,
            "claims": ZHANG_CLAIMS,
            "items": flow.invitation["items"],
            "separate_items": [],
        },
    )
    assert signed.json()["check"]["status"] == "pending"
    now = utcnow()
    with transaction(db.sessions) as session:
        run, query_ids = open_invited_check(
            session, vault, flow.invitation["id"], now=now, deadline=now + DAY
        )
    assert run.status == "in_progress"
    check = run.request_id
    clock = {"now": now}

    with load_world(ZHANG) as store, provider_server(world_sources(store)) as served:
        # the social-insurance register is down for a month; every other source answers
        served.outage(30 * 86400, ["social_insurance"])
        provider = HttpProvider(served.url)
        ctx = JobContext(db.sessions, vault, provider, {}, clock=lambda: clock["now"])
        first = {q: run_query(ctx, q) for q in query_ids}
        waiting = [q for q, o in first.items() if isinstance(o, Retry)]
        assert len(waiting) == 1

        url = f"{BASE}/checks/{check}/status"
        status = flow.candidate.get(url).json()
        assert status["state"] == "in_progress" and status["late"] == ["employment"]
        (employment,) = [i for i in status["items"] if i["item"] == "employment"]
        (down,) = [s for s in employment["sources"] if s["late"]]
        assert down["source"] == "social_insurance" and down["why"] == "the source is down"
        assert not messages(world, "check.item_unavailable")
        # staff of the employer see it too; another candidate does not
        assert flow.staff("recruiter").get(url).status_code == 200
        other = Flow(world, "zhang", "software_engineering", contact="someone@mail.example")
        other.invite("C-OTHER")
        assert other.accept().get(url).status_code == 404

        clock["now"] = now + 2 * DAY  # past the deadline: given up
        (outcome,) = [run_query(ctx, q) for q in waiting]
        assert isinstance(outcome, Done) and outcome.ready
        assert run_query(ctx, waiting[0]) == Done(check, True)  # run again: nothing new
        assert run_rating(ctx, check)
        provider.close()

    told = [(r, p) for _, r, p in messages(world, "check.item_unavailable")]
    assert told == [(flow.contact, {"check": check})]  # the candidate only, once, ids only
    status = flow.candidate.get(f"{BASE}/checks/{check}/status").json()
    assert status["state"] == "complete"
    assert {i["item"]: i["status"] for i in status["items"]}["employment"] == ("not_checked")
    with db.sessions() as session:
        invitation = session.get(Invitation, flow.invitation["id"])
        assert invitation is not None and invitation.request_id == check
    flow.check_id = check
    version = flow.mine()["versions"][0]
    assert {"item": "employment", "why": "source_unavailable"} in version["not_checked"]
    # the unconfirmed employment (CN-EMP-01, yellow when the register answers) is not a reason
    assert version["reasons"] == [] and version["light"] == "green"
    assert all(f["item"] != "employment" for f in version["findings"])
