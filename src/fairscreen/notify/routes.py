"""Webhooks over HTTP (mounted at ``/api/v1/webhooks``), for an organisation's administrators
(``webhook.manage``, own organisation): register an endpoint (its secret is shown once), list,
read, change the events, rotate the secret (the new one shown once), remove, send a test
delivery, and read the delivery log."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.http import SessionDep
from fairscreen.kit.webhooks import SIGNATURE_HEADER, TOLERANCE
from fairscreen.notify import webhooks
from fairscreen.notify.settings import notify_settings
from fairscreen.vault.lazy import app_vault

router = APIRouter(tags=["webhooks"])
Manager = Annotated[Actor, Depends(Require("webhook.manage"))]
_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


EventType = Annotated[
    str, Field(pattern="^(" + "|".join(re.escape(e) for e in sorted(webhooks.EVENTS)) + r"|\*)$")
]


class NewEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=8,
        max_length=2000,
        pattern=r"^\s*[Hh][Tt][Tt][Pp][Ss]?://",
        description="https://…, public address (refused, 409, if it is not one)",
    )
    events: list[EventType] = Field(
        min_length=1, max_length=32, description="event types, or ['*']"
    )


class EventsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventType] = Field(min_length=1, max_length=32)


class EndpointOut(BaseModel):
    id: str
    organisation_id: str
    url: str
    events: list[str]
    created_at: str
    disabled_at: str | None


class EndpointCreated(EndpointOut):
    secret: str = Field(description="shown once: the key receivers verify signatures with")
    signature_header: str
    replay_window_seconds: int


class NewSecret(BaseModel):
    id: str
    secret: str = Field(description="shown once: the old secret no longer signs anything")


class Attempt(BaseModel):
    number: int
    started_at: str
    finished_at: str | None
    outcome: str = Field(description="sent, retry, failed, sending, or interrupted")
    answer: str | None
    error: str | None


class Delivery(BaseModel):
    id: str = Field(description="also the body's id and the Fairscreen-Id header")
    event: str
    status: str = Field(description="pending, sending, sent or failed")
    attempts: int
    created_at: str
    next_attempt_at: str | None
    sent_at: str | None
    failed_at: str | None
    answer: str | None = Field(description="the endpoint's last HTTP status, as 'http 200'")
    last_error: str | None
    tries: list[Attempt]


class DeliveryLog(BaseModel):
    deliveries: list[Delivery]
    next: str | None = Field(description="pass as ?before= for the next page (None: the end)")


class Queued(BaseModel):
    delivery_id: str


@router.get("/events", responses=_AUTH)
def event_types(actor: Manager) -> dict[str, dict[str, str]]:
    """The event types an endpoint may subscribe to, with what each says."""
    return {"events": dict(webhooks.EVENTS)}


@router.post("", status_code=201, responses={**_AUTH, 409: {}, 422: {}})
def create_endpoint(
    body: NewEndpoint, request: Request, session: SessionDep, actor: Manager
) -> EndpointCreated:
    """Register an endpoint for the caller's organisation. The URL must be https and resolve to
    public addresses only. The answer holds the signing secret, shown this once."""
    vault = app_vault(request)  # first, outside the transaction: opening it may write
    with session.begin():
        secret, view = webhooks.create_endpoint(
            session,
            vault,
            actor,
            url=body.url,
            events=body.events,
            allowed=notify_settings().allowed_networks(),
            now=utcnow(),
        )
    return EndpointCreated(
        **view.as_json(),
        secret=secret,
        signature_header=SIGNATURE_HEADER,
        replay_window_seconds=TOLERANCE,
    )


@router.get("", responses=_AUTH)
def list_endpoints(session: SessionDep, actor: Manager) -> list[EndpointOut]:
    """The organisation's endpoints, removed ones included (their logs stay readable)."""
    scope = reach(actor, "webhook.manage")
    return [EndpointOut(**v.as_json()) for v in webhooks.list_endpoints(session, scope)]


@router.get("/{endpoint_id}", responses={**_AUTH, 404: {}})
def read_endpoint(endpoint_id: str, session: SessionDep, actor: Manager) -> EndpointOut:
    return EndpointOut(**webhooks.view(webhooks.endpoint(session, actor, endpoint_id)).as_json())


@router.patch("/{endpoint_id}", responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def change_endpoint(
    endpoint_id: str, body: EventsPatch, session: SessionDep, actor: Manager
) -> EndpointOut:
    """Change the event types the endpoint receives."""
    with session.begin():
        view = webhooks.change_events(session, actor, endpoint_id, body.events)
    return EndpointOut(**view.as_json())


@router.delete(
    "/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**_AUTH, 404: {}}
)
def remove_endpoint(endpoint_id: str, session: SessionDep, actor: Manager) -> Response:
    """Remove the endpoint: nothing more is sent to it, deliveries still waiting fail; its
    delivery log stays readable."""
    with session.begin():
        webhooks.disable(session, actor, endpoint_id, now=utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{endpoint_id}/secret", responses={**_AUTH, 404: {}, 409: {}})
def rotate_secret(
    endpoint_id: str, request: Request, session: SessionDep, actor: Manager
) -> NewSecret:
    """A new signing secret for the endpoint, shown this once. Every delivery from now on is
    signed with it, retries of earlier ones included."""
    vault = app_vault(request)  # first, outside the transaction: opening it may write
    with session.begin():
        secret = webhooks.rotate_secret(session, vault, actor, endpoint_id, now=utcnow())
    return NewSecret(id=endpoint_id, secret=secret)


@router.post("/{endpoint_id}/test", status_code=202, responses={**_AUTH, 404: {}, 409: {}})
def test_endpoint(endpoint_id: str, session: SessionDep, actor: Manager) -> Queued:
    """Queue a ``webhook.test`` delivery to the endpoint (whatever events it receives)."""
    with session.begin():
        return Queued(delivery_id=webhooks.send_test(session, actor, endpoint_id, now=utcnow()))


@router.get("/{endpoint_id}/deliveries", responses={**_AUTH, 404: {}, 422: {}})
def delivery_log(
    endpoint_id: str,
    session: SessionDep,
    actor: Manager,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
) -> DeliveryLog:
    """The endpoint's deliveries, newest first, each with its attempts (time, outcome, the
    endpoint's answer). Page with ``before``."""
    page, cursor = webhooks.deliveries(session, actor, endpoint_id, limit=limit, before=before)
    return DeliveryLog(deliveries=[Delivery(**d) for d in page], next=cursor)
