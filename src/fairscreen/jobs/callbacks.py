"""A provider's signed callbacks (mounted at ``/api/v1/provider``): ``POST /callbacks``.

A provider that was given our ``callback_url`` (``FAIRSCREEN_PROVIDER_CALLBACK_URL``) pushes a
query's answer here when it is ready, instead of waiting to be polled (docs/provider-api.md).
No session or token: the request is authenticated by its ``Fairscreen-Signature`` (HMAC-SHA256
over ``timestamp.body`` with ``FAIRSCREEN_PROVIDER_CALLBACK_SECRET``, ``kit.webhooks.verify``,
the scheme notify's webhooks use), checked over the raw body before anything of it is read, and
refused outside the replay window. The answer then completes its query exactly as the job that
asks would (``graph.deliver_answer``): once, whoever comes first, with the ``SourceQuery`` row
and its ledger entry in one transaction; a callback delivered twice, or after the job polled the
answer, changes nothing. When it was the check's last answer, the check is rated: by a job
queued for the workers on PostgreSQL, here on the SQLite default.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import engine_of
from fairscreen.kit.errors import InputError, NotFoundError, UnauthenticatedError
from fairscreen.kit.settings import get_settings
from fairscreen.kit.webhooks import SIGNATURE_HEADER, SignatureError, verify
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.sources.http import parse_records
from fairscreen.vault import Vault
from fairscreen.vault.lazy import app_vault

log = logging.getLogger(__name__)

router = APIRouter(tags=["provider"])
PATH = "/api/v1/provider/callbacks"


class CallbackIn(BaseModel):
    """The provider API's answer to a query (docs/provider-api.md, "The answer")."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=128)
    status: Literal["pending", "done"]
    source: SourceKind
    item: Item
    idempotency_key: str = Field(min_length=1, max_length=128)
    records: list[dict[str, Any]] | None = None


def _rate(sessions: sessionmaker[Session], vault: Vault, request_id: str) -> None:
    """Rate a check whose last answer just came in: queued for the workers on PostgreSQL (the
    verification and rating are theirs to do), here on SQLite."""
    settings = get_settings()
    if engine_of(sessions).dialect.name == "postgresql":
        from fairscreen.jobs.engine import queue

        queue(settings.resolved_database_url(), ratings=[request_id])
        return
    from fairscreen.jobs.graph import JobContext, run_rating
    from fairscreen.sources.base import SourceSet
    from fairscreen.sources.http import LocalProvider

    # no source is asked to rate; the shipped packs are found by the check's own (graph)
    run_rating(JobContext(sessions, vault, LocalProvider(SourceSet([])), {}), request_id)


@router.post(
    "/callbacks",
    status_code=204,
    responses={202: {}, 401: {}, 404: {}, 422: {}},
    openapi_extra={"security": []},
)
async def receive(
    request: Request,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> Response:
    """A query's answer, pushed by the provider and signed. 204: recorded (or already in);
    202: not done yet, nothing to do; 401: no valid signature; 404: no such query; 422: not
    the provider API's format."""
    secret = get_settings().provider_callback_secret
    if secret is None:
        raise NotFoundError(
            "provider callbacks are off: set FAIRSCREEN_PROVIDER_CALLBACK_SECRET to receive them"
        )
    body = await request.body()
    try:
        verify(secret.get_secret_value(), signature or "", body)
    except SignatureError as exc:
        raise UnauthenticatedError(f"{SIGNATURE_HEADER}: {exc}") from None
    try:
        answer = CallbackIn.model_validate_json(body)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"]) or "body"
        raise InputError(where, str(error["msg"])) from None
    if answer.status != "done":
        return Response(status_code=202)
    try:
        records = parse_records(answer.records or [])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError("records", f"not in the provider API's format ({exc})") from None
    from fairscreen.jobs.graph import deliver_answer

    sessions: sessionmaker[Session] = request.app.state.sessions
    vault = app_vault(request)
    delivered = await run_in_threadpool(
        deliver_answer,
        sessions,
        vault,
        answer.idempotency_key,
        source=answer.source,
        item=answer.item,
        answer=records,
        now=utcnow(),
    )
    # Rated whenever every answer is in, even if this delivery was a repeat: the first one may
    # have recorded its answer and then failed to rate (a rating happens once, see graph).
    if delivered.ready:
        await run_in_threadpool(_rate, sessions, vault, delivered.request_id)
    return Response(status_code=204)
