"""The jobs of a check run in this process: the embedded SQLite default (docs/jobs.md).

The same job functions as the workers run (``jobs.graph``), in the order they become due: every
query at once, a query the provider answered ``Later`` again when its wait is over, a check's
rating as soon as its last query is in. Nothing here is durable: a process stopped midway leaves
its checks in progress, and running it again (``fairscreen checks resume``) picks up the pending
queries from the database, where every effect already made is kept once.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable

from fairscreen.jobs.graph import Done, JobContext, run_query, run_rating


def run_in_process(
    ctx: JobContext,
    query_ids: Iterable[str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    on_report: Callable[[str], None] | None = None,
) -> int:
    """Run ``query_ids`` and the ratings they lead to until every check is reported; return how
    many reports this run issued."""
    due: list[tuple[float, int, str]] = []
    for order, query_id in enumerate(query_ids):
        due.append((0.0, order, query_id))
    heapq.heapify(due)
    counter = len(due)
    issued = 0
    while due:
        at, _, query_id = heapq.heappop(due)
        wait = at - monotonic()
        if wait > 0:
            sleep(wait)
        outcome = run_query(ctx, query_id)
        if isinstance(outcome, Done):
            if outcome.ready and run_rating(ctx, outcome.request_id):
                issued += 1
                if on_report is not None:
                    on_report(outcome.request_id)
            continue
        counter += 1
        heapq.heappush(due, (monotonic() + outcome.seconds, counter, query_id))
    return issued
