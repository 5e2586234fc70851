"""The job engine on PostgreSQL: procrastinate, in the database fairscreen already uses.

Jobs are rows of procrastinate's tables (schema ``procrastinate``, created by migration
0015_check_jobs); workers take them with ``SELECT ... FOR UPDATE SKIP LOCKED``, so any number of
``fairscreen worker`` processes, on any machine that reaches the database, share the work.

- ``fairscreen.check.query`` (one per item and source, argument: the ``check_queries`` id)
  runs ``graph.run_query``; told to ask again later, it defers its own next try with
  ``schedule_in``; once its check has every answer it defers the rating job.
- ``fairscreen.check.rate`` (argument: the request id) runs ``graph.run_rating``.

Every job of one query (and of one rating) carries the same ``lock``: procrastinate never runs
two of them at once. An exception is retried with exponential backoff (``RETRY``). A worker
killed mid-job (``kill -9``, a machine lost) stops sending heartbeats; every worker looks for
jobs whose worker has been silent for ``stalled_after`` seconds and puts them back in the queue
(``reap``), where another worker runs them again: the effects in ``graph`` happen once however
often a job runs. Finished jobs are deleted (``delete_jobs="successful"``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.worker import Worker
from sqlalchemy.engine import make_url

from fairscreen.jobs.graph import Done, run_query, run_rating
from fairscreen.jobs.graph import JobContext as ChecksContext
from fairscreen.kit.errors import ConfigError
from fairscreen.kit.settings import Settings

log = logging.getLogger(__name__)

JOB_SCHEMA = "procrastinate"  # migration 0015_check_jobs
QUEUE = "checks"
QUERY_TASK = "fairscreen.check.query"
RATE_TASK = "fairscreen.check.rate"
RETRY = RetryStrategy(max_attempts=12, exponential_wait=2)

_context: ChecksContext | None = None


def set_context(ctx: ChecksContext | None) -> None:
    """The context the tasks of this process run with (a worker sets it before it starts)."""
    global _context
    _context = ctx


def _ctx() -> ChecksContext:
    if _context is None:
        raise RuntimeError("no job context: jobs run in `fairscreen worker`")
    return _context


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(url: str, *, pool_size: int = 4) -> App:
    """A procrastinate app on the database at ``url``, with the check tasks."""
    connector = PsycopgConnector(
        conninfo=conninfo(url),
        kwargs={"options": f"-c search_path={JOB_SCHEMA}"},
        min_size=1,
        max_size=pool_size,
    )
    app = App(connector=connector)

    @app.task(name=QUERY_TASK, queue=QUEUE, retry=RETRY, pass_context=True)
    async def query(context: JobContext, query_id: str) -> None:
        outcome = await asyncio.to_thread(run_query, _ctx(), query_id)
        if isinstance(outcome, Done):
            if outcome.ready:
                await defer_rating(context.app, outcome.request_id)
            return
        await context.app.configure_task(
            QUERY_TASK, lock=f"query:{query_id}", schedule_in={"seconds": outcome.seconds}
        ).defer_async(query_id=query_id)

    @app.task(name=RATE_TASK, queue=QUEUE, retry=RETRY)
    async def rate(request_id: str) -> None:
        await asyncio.to_thread(run_rating, _ctx(), request_id)

    return app


async def defer_rating(app: App, request_id: str) -> None:
    await app.configure_task(RATE_TASK, lock=f"rate:{request_id}").defer_async(
        request_id=request_id
    )


def defer_queries(app: App, query_ids: Iterable[str]) -> int:
    """Queue a job for each query (``app`` opened synchronously); return how many."""
    count = 0
    for query_id in query_ids:
        app.configure_task(QUERY_TASK, lock=f"query:{query_id}").defer(query_id=query_id)
        count += 1
    return count


def queue(url: str, *, queries: Iterable[str] = (), ratings: Iterable[str] = ()) -> None:
    """Queue jobs from a process that is not a worker (the web server: a candidate's signed
    consent, a provider's callback), on the database at ``url``."""
    app = make_app(url, pool_size=1)
    with app.open():
        defer_queries(app, queries)
        for request_id in ratings:
            app.configure_task(RATE_TASK, lock=f"rate:{request_id}").defer(request_id=request_id)


def workers_configured(settings: Settings) -> bool:
    """Whether checks started online go to ``fairscreen worker`` (``FAIRSCREEN_CHECK_WORKERS``):
    only on PostgreSQL, where the queue is; set on SQLite, it is a ``ConfigError``."""
    if not settings.check_workers:
        return False
    backend = make_url(settings.resolved_database_url()).get_backend_name()
    if backend != "postgresql":
        raise ConfigError(
            "FAIRSCREEN_CHECK_WORKERS=1 needs PostgreSQL (FAIRSCREEN_DATABASE_URL="
            "postgresql+psycopg://...): on SQLite the checks run in the server's process; "
            "unset it"
        )
    return True


async def reap(app: App, *, every: float, stalled_after: float) -> None:
    """Put back in the queue the jobs of workers silent for ``stalled_after`` seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            stalled = list(
                await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
            )
            for job in stalled:
                log.warning("job %s (%s) of a silent worker: queued again", job.id, job.task_name)
                await app.job_manager.retry_job(job)
        except Exception as exc:  # a lost connection: try again next round
            log.warning("looking for stalled jobs failed: %s", exc)


async def work(
    app: App,
    *,
    concurrency: int,
    heartbeat: float,
    stalled_after: float,
    name: str | None = None,
    wait: bool = True,
    on_registered: Callable[[int], None] | None = None,
) -> None:
    """Run a worker on ``app`` (opened here) until it is stopped (SIGTERM, SIGINT), or, with
    ``wait=False``, until the queue is empty. ``on_registered`` is told the worker's id in
    procrastinate's tables (``procrastinate_workers``, ``procrastinate_jobs.worker_id``) once
    it has one."""
    options: dict[str, Any] = {
        "queues": [QUEUE],
        "concurrency": concurrency,
        "delete_jobs": "successful",
        "update_heartbeat_interval": heartbeat,
        "stalled_worker_timeout": stalled_after,
        "wait": wait,
        "fetch_job_polling_interval": 1.0,
    }
    if name:
        options["name"] = name
    async with app.open_async():
        runner = app._worker(**options)  # what App.run_worker_async runs, kept to read its id
        helpers = [asyncio.create_task(reap(app, every=heartbeat, stalled_after=stalled_after))]
        if on_registered is not None:
            helpers.append(asyncio.create_task(_announce(runner, on_registered)))
        try:
            await runner.run()  # type: ignore[no-untyped-call]
        finally:
            for helper in helpers:
                helper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await helper


async def _announce(runner: Worker, on_registered: Callable[[int], None]) -> None:
    while runner.worker_id is None:
        await asyncio.sleep(0.05)
    on_registered(runner.worker_id)
