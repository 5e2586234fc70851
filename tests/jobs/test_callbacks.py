"""The provider's signed callbacks, received: the sandbox provider runs as its own process
(`fairscreen sandbox-provider serve`, answers three days later on its clock, signs its
callbacks) and fairscreen's app is served on loopback. The jobs ask once and are told to come
back in three days; the provider's clock moves on and its callbacks complete every query, once,
and the checks are rated (in the server on SQLite, by a worker on PostgreSQL), reporting what
the synchronous pass reports. Forged, stale, unknown and malformed callbacks are refused and
change nothing; a callback delivered again changes nothing either."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select, text

from fairscreen.jobs.callbacks import PATH
from fairscreen.jobs.graph import Retry, open_checks, run_query
from fairscreen.kit.settings import get_settings
from fairscreen.kit.webhooks import SIGNATURE_HEADER, sign
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.sources.http import HttpProvider
from fairscreen.sources.models import SourceQuery
from fairscreen.vault import Vault
from fairscreen.web.app import create_app
from fairscreen.world.load import load_world
from tests.conftest import Database
from tests.jobs.checks import (
    COMPARED,
    context,
    dumps,
    make_world,
    printed_url,
    reports_by_candidate,
    served,
    start_cli,
    synchronous_results,
    wait_until,
)
from tests.ledger.full import verify_log

SECRET = "whsec_provider-callbacks"
DAYS_3 = 3 * 86400


@pytest.fixture
def settings(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FAIRSCREEN_PROVIDER_CALLBACK_SECRET", SECRET)
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", db.url)
    for interval in ("FEEDBACK_INTERVAL", "RETENTION_SWEEP_INTERVAL", "NOTIFY_INTERVAL"):
        monkeypatch.setenv(f"FAIRSCREEN_{interval}", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _count(db: Database, statement: Any) -> int:
    with db.sessions() as session:
        return int(session.scalar(statement) or 0)


def _post(url: str, body: dict[str, Any], *, secret: str = SECRET, at: int | None = None) -> int:
    raw = orjson.dumps(body)
    header = sign(secret, raw, timestamp=at)
    return httpx.post(
        url, content=raw, headers={SIGNATURE_HEADER: header, "Content-Type": "application/json"}
    ).status_code


def test_signed_callbacks_from_the_provider_process_complete_each_query_once(
    db: Database, vault: Vault, tmp_path: Path, settings: None
) -> None:
    world = make_world(tmp_path / "w.jsonl", 4, seed=5)
    env = {**os.environ, "FAIRSCREEN_PROVIDER_CALLBACK_SECRET": SECRET}
    log = tmp_path / "provider.log"
    args = ["sandbox-provider", "serve", "--world", str(world), "--port", "0"]
    provider = start_cli([*args, "--latency", str(DAYS_3)], env, log)
    app = create_app(db.sessions)
    app.state.vault = vault
    try:
        provider_url = printed_url(log, provider)
        with load_world(world) as store, served(app) as app_url:
            expected = synchronous_results(store)
            asker = HttpProvider(provider_url, callback_url=app_url + PATH)
            ctx = context(db.sessions, vault, asker, store)
            pack = next(iter(ctx.packs.values()))[0]
            query_ids = open_checks(
                store, db.sessions, vault, pack, deadline=timedelta(seconds=3 * DAYS_3)
            )
            # each job asks once and is told to come back in three days
            assert all(isinstance(run_query(ctx, q), Retry) for q in query_ids)
            pending = select(func.count()).where(CheckQuery.status == "pending")
            assert _count(db, pending) == len(query_ids)

            httpx.post(f"{provider_url}/v1/sandbox/clock", json={"advance": DAYS_3 + 1})

            def stats() -> dict[str, int]:
                return dict(httpx.get(f"{provider_url}/v1/sandbox/stats").json())

            wait_until(lambda: stats().get("callback_sent") == len(query_ids))
            assert _count(db, pending) == 0
            assert "callback_failed" not in stats()  # each was taken the first time

            in_progress = select(func.count()).where(CheckRequest.status == "in_progress")
            if db.backend != "sqlite":
                # the server queued each check's rating for the workers; one worker does them
                queued = text(
                    "SELECT count(*) FROM procrastinate.procrastinate_jobs "
                    "WHERE task_name = 'fairscreen.check.rate' AND status = 'todo'"
                )
                with db.engine.connect() as conn:
                    assert conn.execute(queued).scalar() == _count(db, in_progress) > 0
                burst = start_cli(
                    ["worker", "--burst", "--world", str(world)],
                    {
                        **env,
                        "FAIRSCREEN_DATABASE_URL": db.url,
                        "FAIRSCREEN_DATA_DIR": str(tmp_path / "keys"),
                    },
                    tmp_path / "worker.log",
                )
                assert burst.wait(timeout=300) == 0, (tmp_path / "worker.log").read_text()
            assert _count(db, in_progress) == 0

            # what a receiver must refuse, and a redelivery
            first = query_ids[0]
            with db.sessions() as session:
                query = session.get(CheckQuery, first)
                assert query is not None
                good = {
                    "id": "q",
                    "status": "done",
                    "source": query.source,
                    "item": query.item,
                    "idempotency_key": first,
                    "records": [],
                }
            recorded = _count(db, select(func.count()).select_from(SourceQuery))
            url = app_url + PATH
            assert _post(url, good, secret="whsec_someone-else") == 401
            assert _post(url, good, at=int(time.time()) - 301) == 401  # replayed later
            assert httpx.post(url, content=orjson.dumps(good)).status_code == 401  # unsigned
            assert _post(url, {**good, "idempotency_key": "0" * 32}) == 404
            other = "referees" if query.source != "referees" else "court_records"
            assert _post(url, {**good, "source": other}) == 404  # not the question asked
            assert _post(url, {**good, "records": [{"source": "x"}]}) == 422
            assert _post(url, {**good, "status": "pending"}) == 202
            assert _post(url, good) == 204  # delivered again: already answered
            assert _count(db, select(func.count()).select_from(SourceQuery)) == recorded
            asker.close()
    finally:
        provider.send_signal(signal.SIGTERM)
        try:
            provider.wait(timeout=30)
        except subprocess.TimeoutExpired:
            provider.kill()
            provider.wait()

    with db.sessions() as session:
        reports = reports_by_candidate(session, vault)
        per_query = session.execute(
            select(
                SourceQuery.request_id, SourceQuery.item, SourceQuery.source, func.count()
            ).group_by(SourceQuery.request_id, SourceQuery.item, SourceQuery.source)
        ).all()
    assert len(per_query) == len(query_ids) and {row[3] for row in per_query} == {1}
    reported = [ref for ref, r in expected.items() if r["status"] == "reported"]
    assert sorted(reports) == sorted(reported)
    for ref in reported:
        (content,) = reports[ref]
        assert dumps({k: content[k] for k in COMPARED}) == dumps(
            {k: expected[ref][k] for k in COMPARED}
        )
    assert verify_log(db.sessions).ok


def test_with_no_secret_set_callbacks_are_off(db: Database, vault: Vault) -> None:
    from fastapi.testclient import TestClient

    get_settings.cache_clear()
    app = create_app(db.sessions)
    app.state.vault = vault
    answer = TestClient(app, base_url="http://localhost").post(PATH, content=b"{}")
    assert answer.status_code == 404
    assert "FAIRSCREEN_PROVIDER_CALLBACK_SECRET" in answer.json()["detail"]
