"""A check as jobs: the same reports as the synchronous pass, effects that happen once however
often a job runs, answers that take days, and sources that never answer (not checked, never a
light from what was not seen). On SQLite and PostgreSQL, against the sandbox provider served on
loopback where the provider's behaviour matters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from fairscreen.jobs.graph import Done, Retry, open_checks, run_query, run_rating
from fairscreen.jobs.inprocess import run_in_process
from fairscreen.kit.clock import utcnow
from fairscreen.ledger.models import LedgerState
from fairscreen.provider.app import ProviderConfig
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.sources.http import HttpProvider, LocalProvider
from fairscreen.sources.models import SourceQuery
from fairscreen.sources.world import world_sources
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.conftest import Database
from tests.jobs.checks import (
    COMPARED,
    context,
    dumps,
    make_world,
    reports_by_candidate,
    synchronous_results,
)
from tests.ledger.full import verify_log
from tests.provider.served import provider_server

DAY = timedelta(days=1)


def _count(db: Database, model: type[object]) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_checks_run_as_jobs_report_what_the_synchronous_pass_reports(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    with load_world(make_world(tmp_path / "w.jsonl", 30)) as store:
        expected = synchronous_results(store)
        ctx = context(db.sessions, vault, LocalProvider(world_sources(store)), store)
        query_ids = open_checks(
            store, db.sessions, vault, ctx.packs[next(iter(ctx.packs))][0], deadline=DAY
        )
        issued = run_in_process(ctx, query_ids)
    reported = [ref for ref, r in expected.items() if r["status"] == "reported"]
    assert issued == len(reported) > 20
    with db.sessions() as session:
        reports = reports_by_candidate(session, vault)
        statuses = dict(
            session.execute(
                select(CheckRequest.status, func.count()).group_by(CheckRequest.status)
            ).all()
        )
    assert statuses == {"reported": len(reported), "stopped": len(expected) - len(reported)}
    assert sorted(reports) == sorted(reported)
    for ref in reported:
        (content,) = reports[ref]
        assert dumps({k: content[k] for k in COMPARED}) == dumps(
            {k: expected[ref][k] for k in COMPARED}
        ), ref
    # one SourceQuery row (and ledger entry) per query answered, and the log verifies
    assert _count(db, SourceQuery) == len(query_ids) == _count(db, CheckQuery)
    assert verify_log(db.sessions).ok


def test_a_job_run_twice_writes_once(db: Database, vault: Vault, tmp_path: Path) -> None:
    with load_world(make_world(tmp_path / "w.jsonl", 6)) as store:
        ctx = context(db.sessions, vault, LocalProvider(world_sources(store)), store)
        query_ids = open_checks(
            store, db.sessions, vault, ctx.packs[next(iter(ctx.packs))][0], deadline=DAY
        )
        with db.sessions() as session:
            entries_before = session.get(LedgerState, 1)
            size_before = entries_before.size if entries_before else 0
        ready: set[str] = set()
        for query_id in query_ids:
            first, second = run_query(ctx, query_id), run_query(ctx, query_id)
            assert isinstance(first, Done) and isinstance(second, Done)
            assert first.request_id == second.request_id
            if second.ready:
                ready.add(second.request_id)
        issued = [run_rating(ctx, r) for r in sorted(ready) for _ in range(2)]
    assert issued == [True, False] * len(ready)
    assert _count(db, SourceQuery) == len(query_ids)
    assert _count(db, Report) == len(ready)
    with db.sessions() as session:
        state = session.get(LedgerState, 1)
        assert state is not None
        assert state.size - size_before == len(query_ids) + len(ready)
        # what the sources answered is in the sealed report now, not kept beside it
        assert session.scalar(select(func.count()).where(CheckQuery.records_ct.is_not(None))) == 0
    assert verify_log(db.sessions).ok


def test_an_answer_days_later_is_waited_for_and_said_to_be_late(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """A provider that takes three days: the job asks, is told to come back (Retry-After), the
    check says which queries wait and why; three provider days later the answer is in."""
    world = make_world(tmp_path / "w.jsonl", 3)
    with (
        load_world(world) as store,
        provider_server(world_sources(store), ProviderConfig(latency=3 * 86400)) as served,
    ):
        expected = synchronous_results(store)
        provider = HttpProvider(served.url)
        ctx = context(db.sessions, vault, provider, store)
        query_ids = open_checks(
            store, db.sessions, vault, ctx.packs[next(iter(ctx.packs))][0], deadline=7 * DAY
        )
        waits = [run_query(ctx, q) for q in query_ids]
        assert all(isinstance(w, Retry) and w.seconds > 2 * 86400 for w in waits)
        with db.sessions() as session:
            assert set(session.scalars(select(CheckQuery.problem))) == {"waiting"}
            assert set(session.scalars(select(CheckQuery.status))) == {"pending"}
        served.move_clock(3 * 86400 + 1)
        outcomes = [run_query(ctx, q) for q in query_ids]
        assert all(isinstance(o, Done) for o in outcomes)
        for request_id in {o.request_id for o in outcomes if isinstance(o, Done) and o.ready}:
            assert run_rating(ctx, request_id)
        provider.close()
    with db.sessions() as session:
        reports = reports_by_candidate(session, vault)
    for ref, result in expected.items():
        if result["status"] == "reported":
            assert dumps({k: reports[ref][0][k] for k in COMPARED}) == dumps(
                {k: result[k] for k in COMPARED}
            )


def test_a_source_down_past_the_deadline_is_not_checked_never_rated(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """An outage longer than the check's deadline: every query ends ``unavailable`` and every
    item is reported not checked (source_unavailable). No finding is made from the silence: an
    identity registry that did not answer is not an identity mismatch."""
    world = make_world(tmp_path / "w.jsonl", 3)
    now = utcnow()
    clock = {"now": now}
    with load_world(world) as store, provider_server(world_sources(store)) as served:
        served.outage(30 * 86400)
        provider = HttpProvider(served.url)
        ctx = context(db.sessions, vault, provider, store, clock=lambda: clock["now"])
        query_ids = open_checks(
            store, db.sessions, vault, ctx.packs[next(iter(ctx.packs))][0], deadline=DAY, at=now
        )
        first = [run_query(ctx, q) for q in query_ids]
        assert all(isinstance(o, Retry) for o in first)
        with db.sessions() as session:
            assert set(session.scalars(select(CheckQuery.problem))) == {"outage"}
        clock["now"] = now + 2 * DAY
        outcomes = [run_query(ctx, q) for q in query_ids]
        ready = {o.request_id for o in outcomes if isinstance(o, Done) and o.ready}
        assert all(run_rating(ctx, r) for r in ready)
        provider.close()
    with db.sessions() as session:
        assert set(session.scalars(select(CheckQuery.status))) == {"unavailable"}
        contents = [c for cs in reports_by_candidate(session, vault).values() for c in cs]
        scoped = {
            r: sorted(s["items"])
            for r, s in session.execute(select(CheckRequest.id, CheckRequest.scope))
        }
    assert contents and _count(db, SourceQuery) == 0  # nothing was asked, nothing recorded
    for content in contents:
        unavailable = [
            n["item"] for n in content["not_checked"] if n["why"] == "source_unavailable"
        ]
        assert unavailable and sorted(unavailable) in scoped.values()
        assert content["findings"] == [] and content["reasons"] == []


def test_in_process_the_jobs_wait_for_a_late_provider_and_finish(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """The SQLite default's runner against the provider over HTTP: queries told to come back
    later are run again when their wait is over, and every check is reported."""
    with (
        load_world(make_world(tmp_path / "w.jsonl", 3)) as store,
        provider_server(world_sources(store), ProviderConfig(latency=1.0)) as served,
    ):
        expected = synchronous_results(store)
        provider = HttpProvider(served.url)
        ctx = context(db.sessions, vault, provider, store)
        pack = next(iter(ctx.packs.values()))[0]
        issued = run_in_process(ctx, open_checks(store, db.sessions, vault, pack, deadline=DAY))
        provider.close()
        asked_again = served.state.counts.get("repeat", 0)
    assert issued == sum(r["status"] == "reported" for r in expected.values())
    assert asked_again > 0  # it did have to wait
    with db.sessions() as session:
        assert set(session.scalars(select(CheckQuery.status))) == {"answered"}
