"""An organisation's webhooks, for its administrators (``webhook.manage``): the endpoints, adding
one with the event types it receives (its signing secret shown once), changing the events,
rotating the secret (the new one shown once), a test delivery, removing it, and its delivery
log with every attempt. The same service functions as ``/api/v1/webhooks``
(``fairscreen.notify.webhooks``), under the same permission: another organisation's endpoint is
a 404 page, like one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.webhooks import SIGNATURE_HEADER, TOLERANCE
from fairscreen.notify import webhooks
from fairscreen.notify.settings import notify_settings
from fairscreen.vault.lazy import app_vault
from fairscreen.web.portal.base import Page, as_list, form_of, render, see_other, sessions_of

router = APIRouter(include_in_schema=False)
Manager = Annotated[Actor, Depends(Page("webhook.manage", kind="staff"))]
LOG_PAGE = 50


def _list_page(request: Request, actor: Actor, *, http_status: int = 200, **extra: Any) -> Response:
    with sessions_of(request)() as session:
        endpoints = webhooks.list_endpoints(session, reach(actor, "webhook.manage"))
    return render(
        request,
        "staff/webhooks.html",
        http_status=http_status,
        endpoints=endpoints,
        events=list(webhooks.EVENTS),
        everything=webhooks.ALL,
        header=SIGNATURE_HEADER,
        window=TOLERANCE,
        **{"error": None, "secret": None, "made": None, "values": {}, **extra},
    )


@router.get("/staff/webhooks")
def webhooks_page(request: Request, actor: Manager) -> Response:
    return _list_page(request, actor)


@router.post("/staff/webhooks")
async def add_webhook(request: Request, actor: Manager) -> Response:
    form = await form_of(request)
    vault = app_vault(request)  # first, outside the transaction: opening it may write
    try:
        with sessions_of(request).begin() as session:
            secret, made = webhooks.create_endpoint(
                session,
                vault,
                actor,
                url=str(form.get("url", "")).strip(),
                events=as_list(form.get("events")),
                allowed=notify_settings().allowed_networks(),
                now=utcnow(),
            )
    except FairscreenError as exc:
        return _list_page(request, actor, http_status=exc.http_status, error=exc, values=form)
    return _list_page(request, actor, secret=secret, made=made)


def _endpoint_page(
    request: Request,
    actor: Actor,
    endpoint_id: str,
    *,
    before: str | None = None,
    http_status: int = 200,
    **extra: Any,
) -> Response:
    with sessions_of(request)() as session:
        view = webhooks.view(webhooks.endpoint(session, actor, endpoint_id))
        log, cursor = webhooks.deliveries(
            session, actor, endpoint_id, limit=LOG_PAGE, before=before
        )
    return render(
        request,
        "staff/webhook.html",
        http_status=http_status,
        endpoint=view,
        deliveries=log,
        cursor=cursor,
        events=list(webhooks.EVENTS),
        everything=webhooks.ALL,
        header=SIGNATURE_HEADER,
        window=TOLERANCE,
        **{"error": None, "secret": None, "done": None, **extra},
    )


def _cursor(before: str | None) -> str | None:
    """A delivery log cursor as the API takes it (32 hex digits), anything else ignored."""
    ok = before is not None and len(before) == 32 and all(c in "0123456789abcdef" for c in before)
    return before if ok else None


@router.get("/staff/webhooks/{endpoint_id}")
def webhook_page(
    endpoint_id: str, request: Request, actor: Manager, before: str | None = None
) -> Response:
    return _endpoint_page(request, actor, endpoint_id, before=_cursor(before))


@router.post("/staff/webhooks/{endpoint_id}/events")
async def change_events(endpoint_id: str, request: Request, actor: Manager) -> Response:
    form = await form_of(request)
    try:
        with sessions_of(request).begin() as session:
            webhooks.change_events(session, actor, endpoint_id, as_list(form.get("events")))
    except FairscreenError as exc:
        return _endpoint_page(request, actor, endpoint_id, http_status=exc.http_status, error=exc)
    return _endpoint_page(request, actor, endpoint_id, done="events")


@router.post("/staff/webhooks/{endpoint_id}/secret")
async def rotate_secret(endpoint_id: str, request: Request, actor: Manager) -> Response:
    vault = app_vault(request)
    try:
        with sessions_of(request).begin() as session:
            secret = webhooks.rotate_secret(session, vault, actor, endpoint_id, now=utcnow())
    except FairscreenError as exc:
        return _endpoint_page(request, actor, endpoint_id, http_status=exc.http_status, error=exc)
    return _endpoint_page(request, actor, endpoint_id, secret=secret)


@router.post("/staff/webhooks/{endpoint_id}/test")
async def send_test(endpoint_id: str, request: Request, actor: Manager) -> Response:
    try:
        with sessions_of(request).begin() as session:
            webhooks.send_test(session, actor, endpoint_id, now=utcnow())
    except FairscreenError as exc:
        return _endpoint_page(request, actor, endpoint_id, http_status=exc.http_status, error=exc)
    return _endpoint_page(request, actor, endpoint_id, done="test")


@router.post("/staff/webhooks/{endpoint_id}/remove")
async def remove(endpoint_id: str, request: Request, actor: Manager) -> Response:
    with sessions_of(request).begin() as session:
        webhooks.disable(session, actor, endpoint_id, now=utcnow())
    return see_other(f"/staff/webhooks/{endpoint_id}")
