"""The sandbox provider: the world file's registers behind the provider API (docs/provider-api.md).

A query is asked (``POST /v1/queries``, answered 202 with the query's id) and its answer fetched
later (``GET /v1/queries/{id}``) or pushed to the caller's ``callback_url``, signed
(``fairscreen.kit.webhooks``). Like a real provider it answers late (``latency``), fails now and
then (``failure_rate``: 500), throttles (``rate`` queries a second: 429 with ``Retry-After``) and
goes down (an outage: 503 with ``Retry-After``). Its clock can be moved forward
(``POST /v1/sandbox/clock``), so a test or a demo sees an answer that takes days come back in a
moment; ``POST /v1/sandbox/outage`` starts and ends an outage.

The answers are those of the in-process adapters (``fairscreen.sources.world``) over the same
world, so a check run against the provider finds what the synchronous path finds. The provider
keeps its queries in memory: restarted, it has forgotten them, and a caller asks again under the
same idempotency key (as it must of any provider that loses a request).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from limits import RateLimitItemPerSecond, storage, strategies
from pydantic import BaseModel, Field

from fairscreen.kit import webhooks
from fairscreen.kit.ids import new_id
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.sources.base import SourceSet, Subject

log = logging.getLogger(__name__)

API_VERSION = "v1"


@dataclass
class ProviderConfig:
    """How the sandbox behaves: ``latency`` seconds from a query to its answer (on the provider's
    clock), ``failure_rate`` the share of requests answered 500, ``rate`` queries a second before
    429 (0: no limit), ``callback_secret`` the key callbacks are signed with (None: no
    callbacks), ``seed`` for the failures."""

    latency: float = 0.0
    failure_rate: float = 0.0
    rate: float = 0.0
    callback_secret: str | None = None
    seed: int = 0
    callback_every: float = 0.2
    response_delay: float = 0.0  # seconds every request takes (a slow provider), real time


class Clock:
    """The provider's clock: the real one plus however far it was moved forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


class SubjectIn(BaseModel):
    reference: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=5, max_length=32)
    birth_date: date


class QueryIn(BaseModel):
    source: SourceKind
    item: Item
    subject: SubjectIn
    consent: str = Field(
        min_length=1, max_length=128, description="the caller's reference to the signed consent"
    )
    idempotency_key: str = Field(min_length=1, max_length=128)
    callback_url: str | None = Field(default=None, max_length=2000)


@dataclass
class _Query:
    id: str
    request: QueryIn
    fingerprint: bytes
    asked_at: float
    ready_at: float
    records: list[dict[str, Any]]
    callback_sent: bool = False
    callback_attempts: int = 0
    next_callback: float = 0.0

    def body(self, now: float) -> dict[str, Any]:
        done = now >= self.ready_at
        return {
            "id": self.id,
            "status": "done" if done else "pending",
            "source": str(self.request.source),
            "item": str(self.request.item),
            "idempotency_key": self.request.idempotency_key,
            "records": self.records if done else None,
        }


@dataclass
class ProviderState:
    config: ProviderConfig
    sources: SourceSet
    clock: Clock = field(default_factory=Clock)
    queries: dict[str, _Query] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    outage_until: float | None = None
    outage_sources: frozenset[SourceKind] | None = None  # None: every source is down
    random: random.Random = field(default_factory=random.Random)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def _problem(status: int, detail: str, retry_after: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after else None
    return JSONResponse(
        {"status": status, "detail": detail},
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


def create_provider_app(sources: SourceSet, config: ProviderConfig | None = None) -> FastAPI:
    """The sandbox provider over ``sources`` (the in-process adapters of a world)."""
    config = config or ProviderConfig()
    state = ProviderState(config, sources, random=random.Random(config.seed))
    limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
    per_second = RateLimitItemPerSecond(max(1, round(config.rate))) if config.rate else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_deliver_callbacks(state)) if config.callback_secret else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="fairscreen sandbox provider",
        version=API_VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.provider = state

    async def refused(now: float, source: SourceKind | None) -> JSONResponse | None:
        """The answer of a provider that is down (for ``source``), throttling or failing, if it
        is."""
        if config.response_delay:
            await asyncio.sleep(config.response_delay)
        if state.outage_until is not None:
            if now >= state.outage_until:
                state.outage_until = state.outage_sources = None
            elif state.outage_sources is None or source in state.outage_sources:
                state.count("503")
                return _problem(503, "provider outage", state.outage_until - now)
        if per_second is not None and not limiter.hit(per_second, "queries"):
            reset = limiter.get_window_stats(per_second, "queries").reset_time
            state.count("429")
            return _problem(429, "too many requests", max(1.0, reset - time.time()))
        if config.failure_rate and state.random.random() < config.failure_rate:
            state.count("500")
            return _problem(500, "simulated provider failure")
        return None

    @app.post(f"/{API_VERSION}/queries", status_code=202)
    async def ask(query: QueryIn) -> Response:
        """Ask one source about one subject for one item. Asked again with the same idempotency
        key and the same question, the same query answers; with another question, 409."""
        now = state.clock.now()
        if (problem := await refused(now, query.source)) is not None:
            return problem
        fingerprint = orjson.dumps(
            query.model_dump(mode="json", exclude={"callback_url"}), option=orjson.OPT_SORT_KEYS
        )
        known = state.by_key.get(query.idempotency_key)
        if known is not None:
            existing = state.queries[known]
            if existing.fingerprint != fingerprint:
                return _problem(409, "idempotency_key: used before for another query")
            state.count("repeat")
            return _query_response(existing, now, 200)
        subject = Subject(
            query.subject.reference,
            query.subject.name,
            query.subject.id_number,
            query.subject.birth_date,
        )
        try:
            source = state.sources.for_kind(query.source)
        except LookupError:
            return _problem(422, f"source: this provider has no {query.source}")
        records = [
            {
                "source": str(r.source),
                "authoritative": r.authoritative,
                "record": r.record.model_dump(mode="json"),
            }
            for r in source.query(subject, query.item)
        ]
        asked = _Query(new_id(), query, fingerprint, now, now + config.latency, records)
        state.queries[asked.id] = asked
        state.by_key[query.idempotency_key] = asked.id
        state.count("asked")
        return _query_response(asked, now, 202)

    @app.get(f"/{API_VERSION}/queries/{{query_id}}")
    async def answer(query_id: str) -> Response:
        """The query's status and, once done, its records."""
        now = state.clock.now()
        query = state.queries.get(query_id)
        if (problem := await refused(now, query.request.source if query else None)) is not None:
            return problem
        if query is None:
            return _problem(404, f"no query {query_id} (ask again with its idempotency key)")
        return _query_response(query, now, 200)

    @app.post(f"/{API_VERSION}/sandbox/clock")
    async def move_clock(body: ClockIn) -> dict[str, float]:
        """Move the provider's clock forward by ``advance`` seconds (sandbox only)."""
        state.clock.offset += body.advance
        return {"now": state.clock.now(), "offset": state.clock.offset}

    @app.post(f"/{API_VERSION}/sandbox/outage")
    async def outage(body: OutageIn) -> dict[str, Any]:
        """Start an outage of ``seconds`` (on the provider's clock) of every source, or of
        ``sources`` only (one register down, the others answering); 0 ends it."""
        state.outage_until = state.clock.now() + body.seconds if body.seconds > 0 else None
        state.outage_sources = (
            frozenset(body.sources) if body.sources and state.outage_until else None
        )
        return {
            "until": state.outage_until,
            "sources": sorted(map(str, state.outage_sources or ())) or None,
        }

    @app.get(f"/{API_VERSION}/sandbox/stats")
    async def stats() -> dict[str, int]:
        """How many queries were asked, repeated, and refused (429, 500, 503)."""
        return dict(state.counts)

    return app


class ClockIn(BaseModel):
    advance: float = Field(ge=0)


class OutageIn(BaseModel):
    seconds: float = Field(ge=0)
    sources: list[SourceKind] | None = Field(default=None, max_length=32)


def _query_response(query: _Query, now: float, status: int) -> Response:
    body = query.body(now)
    headers = {"Location": f"/{API_VERSION}/queries/{query.id}"}
    if body["status"] == "pending":
        headers["Retry-After"] = str(max(1, round(query.ready_at - now)))
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


async def _deliver_callbacks(state: ProviderState) -> None:
    """Push each done query with a ``callback_url`` to it, signed; retried with backoff (up to
    ten tries) while the receiver does not answer 2xx."""
    secret = state.config.callback_secret
    assert secret is not None
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            await asyncio.sleep(state.config.callback_every)
            now = state.clock.now()
            for query in list(state.queries.values()):
                url = query.request.callback_url
                if (
                    url is None
                    or query.callback_sent
                    or now < query.ready_at
                    or now < query.next_callback
                    or query.callback_attempts >= 10
                ):
                    continue
                body = orjson.dumps(query.body(now))
                header = webhooks.sign(secret, body)
                query.callback_attempts += 1
                try:
                    response = await client.post(
                        url,
                        content=body,
                        headers={
                            webhooks.SIGNATURE_HEADER: header,
                            "Content-Type": "application/json",
                        },
                    )
                    query.callback_sent = response.is_success
                    if not response.is_success:
                        log.warning(
                            "callback for query %s answered %d: %s",
                            query.id,
                            response.status_code,
                            response.text[:200],
                        )
                except httpx.HTTPError as exc:
                    log.warning("callback for query %s failed: %s", query.id, exc)
                if not query.callback_sent:
                    query.next_callback = now + 2.0**query.callback_attempts
                    state.count("callback_failed")
                else:
                    state.count("callback_sent")
