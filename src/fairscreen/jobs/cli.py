"""``fairscreen checks start|resume|status`` and ``fairscreen worker`` (docs/jobs.md)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fairscreen.kit.errors import ConfigError
from fairscreen.kit.signals import Terminated

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from fairscreen.jobs.graph import JobContext
    from fairscreen.kit.settings import Settings
    from fairscreen.world.load import WorldStore

checks_app = typer.Typer(
    help="Checks run as jobs: against a provider that answers later (docs/jobs.md).",
    no_args_is_help=True,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

PackOption = Annotated[
    Path | None, typer.Option(help="a policy pack file (default: the shipped one)")
]
RulesOption = Annotated[
    Path | None, typer.Option(help="a rule set file (default: the one shipped for the pack)")
]


def _context(
    settings: Settings,
    sessions: sessionmaker[Session],
    world: WorldStore | None,
    pack_file: Path | None,
    rules_file: Path | None,
    *,
    create_keys: bool,
) -> JobContext:
    from fairscreen.jobs.graph import JobContext
    from fairscreen.policy.pack import load_pack, load_pack_file, shipped_packs
    from fairscreen.rating.engine import default_ruleset_for, load_ruleset_file
    from fairscreen.sources.http import provider_from_settings
    from fairscreen.sources.world import world_sources
    from fairscreen.vault.providers import CREATE, USE, open_vault
    from fairscreen.verify.references import lexicon_version

    # Every shipped pack (a check names the one it was scoped under), and the operator's own.
    packs = {}
    for stem in shipped_packs().values():
        shipped = load_pack(stem)
        packs[shipped.ref] = (shipped, default_ruleset_for(shipped))
    if pack_file is not None:
        pack = load_pack_file(pack_file)
        ruleset = load_ruleset_file(rules_file, pack) if rules_file else default_ruleset_for(pack)
        packs[pack.ref] = (pack, ruleset)
    elif rules_file is not None:
        raise ConfigError("--rules needs --pack: the pack the rule set is written for")
    if settings.provider_callback_url and settings.provider_callback_secret is None:
        raise ConfigError(
            "FAIRSCREEN_PROVIDER_CALLBACK_URL is set but FAIRSCREEN_PROVIDER_CALLBACK_SECRET is "
            "not: the server could not check the callbacks' signatures; set both or neither"
        )
    provider = provider_from_settings(
        settings.provider_url,
        world_sources(world) if world is not None else None,
        callback_url=settings.provider_callback_url,
    )
    vault = open_vault(settings, sessions, mode=CREATE if create_keys else USE)
    # Compiled now, not by the first rating job: seconds of CPU that would hold the GIL while
    # a worker's heartbeat is due (and make it look dead to the others).
    lexicon_version()
    return JobContext(
        sessions,
        vault,
        provider,
        packs,
        retry_base=settings.job_retry_base,
        retry_max=settings.job_retry_max,
    )


@checks_app.command("start")
def start(
    world: Annotated[Path, typer.Option(help="the world file whose candidates to check")],
    pack: PackOption = None,
    rules: RulesOption = None,
    in_process: Annotated[
        bool,
        typer.Option(
            "--in-process",
            help="run the jobs in this process (always so on SQLite) instead of queueing them "
            "for `fairscreen worker`",
        ),
    ] = False,
) -> None:
    """Open a check for every candidate of WORLD (consent and scope fixed, on the ledger) and
    run its jobs: on PostgreSQL, queued for `fairscreen worker`; on SQLite (or with
    --in-process), here, until every check is reported. The sources are the provider at
    FAIRSCREEN_PROVIDER_URL, or the in-process sandbox over WORLD."""
    from fairscreen.jobs.engine import defer_queries, make_app
    from fairscreen.jobs.graph import open_checks
    from fairscreen.jobs.inprocess import run_in_process
    from fairscreen.kit.db import open_database
    from fairscreen.kit.settings import get_settings
    from fairscreen.ledger import checkpoints
    from fairscreen.ledger.signing import load_signer
    from fairscreen.policy.pack import default_pack_for, load_pack_file
    from fairscreen.world.load import load_world

    settings = get_settings()
    engine, sessions = open_database()
    with load_world(world) as store:
        ctx = _context(settings, sessions, store, pack, rules, create_keys=True)
        # As `screen`: the first run makes the signing key, a later one must find it; every
        # consent and scope opened here is on a signed checkpoint when this command returns.
        signer = load_signer(settings, sessions=sessions, create=True)
        try:
            chosen = (
                load_pack_file(pack)
                if pack is not None
                else default_pack_for(store.header.jurisdiction)
            )
            query_ids = open_checks(
                store,
                sessions,
                ctx.vault,
                chosen,
                deadline=timedelta(seconds=settings.check_deadline),
            )
            err.print(f"{store.candidate_count():,} checks opened, {len(query_ids):,} queries")
            checkpoints.publish(sessions, signer)
            if engine.dialect.name == "postgresql" and not in_process:
                app = make_app(settings.resolved_database_url())
                with app.open():
                    queued = defer_queries(app, query_ids)
                err.print(f"{queued:,} query jobs queued: `fairscreen worker` runs them")
                return
            issued = run_in_process(ctx, query_ids)
            checkpoints.publish(sessions, signer)
            err.print(f"{issued:,} reports issued")
        finally:
            signer.close()
            ctx.provider.close()


@checks_app.command("resume")
def resume(
    world: Annotated[
        Path | None, typer.Option(help="the world file, for the in-process sandbox")
    ] = None,
    pack: PackOption = None,
    rules: RulesOption = None,
    in_process: Annotated[bool, typer.Option("--in-process")] = False,
) -> None:
    """Run (or queue again) every query still pending and every check whose queries are all
    in: after a process was stopped midway, or a job gave up after its retries."""
    from fairscreen.jobs.engine import defer_queries, defer_rating, make_app
    from fairscreen.jobs.graph import pending_queries, ready_checks, run_rating
    from fairscreen.jobs.inprocess import run_in_process
    from fairscreen.kit.db import open_database
    from fairscreen.kit.settings import get_settings
    from fairscreen.world.load import load_world

    settings = get_settings()
    engine, sessions = open_database()
    with sessions() as session:
        query_ids = pending_queries(session)
        ready = ready_checks(session)
    if engine.dialect.name == "postgresql" and not in_process:
        import asyncio

        app = make_app(settings.resolved_database_url())

        async def rate_all() -> None:
            async with app.open_async():
                for request_id in ready:
                    await defer_rating(app, request_id)

        with app.open():
            defer_queries(app, query_ids)
        asyncio.run(rate_all())
        err.print(f"{len(query_ids):,} queries and {len(ready):,} ratings queued")
        return
    store = load_world(world) if world is not None else None
    try:
        ctx = _context(settings, sessions, store, pack, rules, create_keys=False)
        issued = sum(run_rating(ctx, request_id) for request_id in ready)
        issued += run_in_process(ctx, query_ids)
        ctx.provider.close()
    finally:
        if store is not None:
            store.close()
    err.print(f"{issued:,} reports issued")


@checks_app.command("status")
def status() -> None:
    """How many checks are in progress, reported and stopped, and why queries are late."""
    from sqlalchemy import func, select

    from fairscreen.kit.db import open_database
    from fairscreen.screening.models import CheckQuery, CheckRequest

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        requests = dict(
            session.execute(
                select(CheckRequest.status, func.count()).group_by(CheckRequest.status)
            ).all()
        )
        late = session.execute(
            select(CheckQuery.problem, func.count())
            .where(CheckQuery.status == "pending")
            .group_by(CheckQuery.problem)
        ).all()
    typer.echo(
        "checks: "
        + ", ".join(f"{requests.get(s, 0):,} {s}" for s in ("in_progress", "reported", "stopped"))
    )
    for problem, count in sorted(late, key=lambda row: str(row[0])):
        typer.echo(f"  pending queries, {problem or 'not asked yet'}: {count:,}")


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="jobs this process runs at once")
    ] = 4,
    world: Annotated[
        Path | None,
        typer.Option(
            help="the world file of the in-process sandbox (unless FAIRSCREEN_PROVIDER_URL; "
            "default: FAIRSCREEN_SANDBOX_WORLD)"
        ),
    ] = None,
    pack: PackOption = None,
    rules: RulesOption = None,
    heartbeat: Annotated[
        float, typer.Option(min=0.1, help="seconds between this worker's heartbeats")
    ] = 5.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            min=0.5,
            help="seconds of silence after which another worker's jobs are queued again",
        ),
    ] = 30.0,
    burst: Annotated[
        bool, typer.Option("--burst", help="stop once the queue is empty instead of waiting")
    ] = False,
) -> None:
    """Run check jobs from the PostgreSQL queue, as many processes and machines as you start
    (docs/jobs.md). Stops cleanly on SIGTERM or Ctrl-C; a worker killed outright has its jobs
    run again by the others once it has been silent for --stalled-after seconds."""
    import asyncio

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from fairscreen.jobs.engine import make_app, set_context, work
    from fairscreen.kit.db import open_database
    from fairscreen.kit.settings import get_settings
    from fairscreen.world.load import load_world

    settings = get_settings()
    try:
        backend = make_url(settings.resolved_database_url()).get_backend_name()
    except ArgumentError:
        backend = "?"  # open_database names the bad URL
    if backend == "sqlite":
        raise ConfigError(
            "fairscreen worker needs PostgreSQL (FAIRSCREEN_DATABASE_URL="
            "postgresql+psycopg://...); on SQLite, `fairscreen checks start` runs the jobs itself"
        )
    _engine, sessions = open_database()
    # The sandbox of checks started online (FAIRSCREEN_SANDBOX_WORLD) unless told otherwise.
    world = world or settings.sandbox_world
    store = load_world(world) if world is not None and not settings.provider_url else None
    try:
        ctx = _context(settings, sessions, store, pack, rules, create_keys=False)
        set_context(ctx)
        app = make_app(settings.resolved_database_url(), pool_size=concurrency + 2)
        name = f"{socket.gethostname()}:{os.getpid()}"
        err.print(f"worker {name} started ({concurrency} at once)")
        try:
            asyncio.run(
                work(
                    app,
                    concurrency=concurrency,
                    heartbeat=heartbeat,
                    stalled_after=stalled_after,
                    name=name,
                    wait=not burst,
                    on_registered=lambda worker_id: err.print(
                        f"worker {name} registered as procrastinate worker {worker_id}"
                    ),
                )
            )
        except (KeyboardInterrupt, Terminated):
            pass
        finally:
            set_context(None)
            ctx.provider.close()
    finally:
        if store is not None:
            store.close()
