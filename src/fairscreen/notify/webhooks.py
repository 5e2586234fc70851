"""Organisations' webhooks: endpoints, the events they receive, and their delivery log.

An organisation's administrator (``webhook.manage``) registers an endpoint: an https URL that
must resolve to public addresses (``addresses``), the event types it wants (``EVENTS``, or
``*``), and gets its signing secret once; the platform keeps the secret sealed under its
notification key. Domains announce events with ``emit``: one outbox message per endpoint of the
organisation that wants the event. An event's ``data`` holds identifiers only (32-hex-digit
ids), whole numbers and booleans, checked here: no name, address, light or reason of a person
can reach a webhook body, whatever a caller passes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor, Scope, Target, authorize
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import ConflictError, InputError, NotFoundError, PolicyError
from fairscreen.kit.ids import new_id
from fairscreen.kit.webhooks import SECRET_PREFIX
from fairscreen.notify import addresses
from fairscreen.notify.keys import platform_sealer
from fairscreen.notify.models import (
    FAILED,
    PENDING,
    SENDING,
    DeliveryAttempt,
    OutboxMessage,
    WebhookEndpoint,
)
from fairscreen.notify.render import DEFAULT_LANGUAGE
from fairscreen.notify.settings import IPNetwork
from fairscreen.vault import Sealer, Vault

# The events an endpoint may subscribe to, and what each says (its data: ids only).
EVENTS: Mapping[str, str] = {
    "webhook.test": "a test delivery asked for with POST /webhooks/{id}/test (data: endpoint_id)",
    "invitation.accepted": "a candidate accepted an invitation (invitation_id, check_id)",
    "consent.signed": "a candidate signed a consent (check_id, consent_id)",
    "consent.revoked": "a candidate revoked a consent (check_id, consent_id)",
    "report.issued": "a report (or a new version of one) was issued (check_id, version)",
    "notice.sent": "a pre-adverse notice was sent (check_id, notice_id)",
    "dispute.opened": "a candidate disputed a finding (check_id, dispute_id)",
    "dispute.resolved": "a dispute was resolved (check_id, dispute_id)",
    "decision.recorded": "a hiring decision was recorded (check_id, decision_id)",
    "livestream.alert": "a live room broke a rule of the livestream pack: a compliance prompt "
    "(alert_id, start_ms; GET /api/v1/monitors/livestream/alerts/{alert_id})",
}
ALL = "*"
MAX_ENDPOINTS = 20  # per organisation
SECRET_AT = ("webhook_endpoints", "secret_ct")
_ID = re.compile(r"[0-9a-f]{32}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DATA_MAX = 16


@dataclass(frozen=True, slots=True)
class EndpointView:
    id: str
    organisation_id: str
    url: str
    events: list[str]
    created_at: datetime
    disabled_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organisation_id": self.organisation_id,
            "url": self.url,
            "events": self.events,
            "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


def _view(row: WebhookEndpoint) -> EndpointView:
    return EndpointView(
        row.id, row.organisation_id, row.url, list(row.events), row.created_at, row.disabled_at
    )


def check_events(events: Sequence[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e != ALL and e not in EVENTS]
    if not chosen or unknown:
        raise InputError(
            "events",
            f"event types from GET /api/v1/webhooks/events, or {ALL!r} "
            f"(unknown: {', '.join(unknown) or 'none given'})",
        )
    return [ALL] if ALL in chosen else chosen


def _plain(value: Any) -> bool:
    whole = isinstance(value, int) and abs(value) < 2**53  # bools are ints too
    return whole or (isinstance(value, str) and _ID.fullmatch(value) is not None)


def ids_only(data: Mapping[str, Any]) -> dict[str, Any]:
    """What of ``data`` a webhook may carry: its identifiers, whole numbers and booleans (for
    a domain that tells a person more, such as a date, and the organisations only the ids)."""
    return {key: value for key, value in data.items() if _plain(value)}


def check_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """An event's data: identifiers (32 hex digits), whole numbers and booleans only."""
    if len(data) > _DATA_MAX:
        raise PolicyError(f"webhook data: at most {_DATA_MAX} fields")
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not _KEY.fullmatch(key):
            raise PolicyError(f"webhook data: {key!r} is not a field name (a-z, 0-9, _)")
        if _plain(value):
            out[key] = value
        else:
            raise PolicyError(
                f"webhook data {key!r}: identifiers (32 hex digits), whole numbers and booleans "
                "only; a webhook body never carries a person's data"
            )
    return out


def create_endpoint(
    session: Session,
    vault: Vault,
    actor: Actor,
    *,
    url: str,
    events: Sequence[str],
    allowed: Sequence[IPNetwork],
    now: datetime,
) -> tuple[str, EndpointView]:
    """A new endpoint of the actor's organisation; returns its secret (shown once) and view."""
    if actor.organisation_id is None:
        raise ConflictError("webhooks belong to an organisation; sign in as its staff")
    addresses.check(url, allowed)
    chosen = check_events(events)
    count = len(
        session.scalars(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.organisation_id == actor.organisation_id,
                WebhookEndpoint.disabled_at.is_(None),
            )
        ).all()
    )
    if count >= MAX_ENDPOINTS:
        raise ConflictError(f"an organisation has at most {MAX_ENDPOINTS} webhooks; remove one")
    endpoint_id = new_id()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    sealer = platform_sealer(session, vault, now=now)
    organisation_id, url = actor.organisation_id, url.strip()
    row = {
        "id": endpoint_id,
        "organisation_id": organisation_id,
        "url": url,
        "events": chosen,
        "data_key_id": sealer.data_key_id,
        "secret_ct": sealer.seal(*SECRET_AT, endpoint_id, secret.encode()),
        "created_at": now,
        "created_by": actor.label,
        "disabled_at": None,
    }
    session.execute(insert(table_of(WebhookEndpoint)), [row])
    return secret, EndpointView(endpoint_id, organisation_id, url, chosen, now, None)


def rotate_secret(
    session: Session, vault: Vault, actor: Actor, endpoint_id: str, *, now: datetime
) -> str:
    """A new signing secret for the endpoint, returned once; the old one stops at once: every
    delivery from now on, those waiting to be retried included, is signed with the new one
    (the secret is opened when a delivery is sent). For a receiver that cannot switch at the
    same moment, register a second endpoint instead."""
    row = endpoint(session, actor, endpoint_id, lock=True)
    if row.disabled_at is not None:
        raise ConflictError(f"webhook {endpoint_id}: removed")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    sealer = platform_sealer(session, vault, now=now)
    row.data_key_id = sealer.data_key_id
    row.secret_ct = sealer.seal(*SECRET_AT, endpoint_id, secret.encode())
    return secret


def open_secret(sealer: Sealer, endpoint_id: str, secret_ct: bytes) -> str:
    return sealer.open(*SECRET_AT, endpoint_id, secret_ct).decode()


def endpoint(
    session: Session, actor: Actor, endpoint_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    """The endpoint, if the actor may manage it (else 404, like one that does not exist)."""
    row = session.get(WebhookEndpoint, endpoint_id, with_for_update=lock or None)
    what = f"webhook {endpoint_id}"
    if row is None:
        raise NotFoundError(f"{what}: no such resource")
    authorize(actor, "webhook.manage", Target.of(row.organisation_id), what=what)
    return row


def view(row: WebhookEndpoint) -> EndpointView:
    return _view(row)


def list_endpoints(session: Session, scope: Scope) -> list[EndpointView]:
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    if scope.reach != "all":
        query = query.where(WebhookEndpoint.organisation_id == scope.organisation_id)
    return [_view(r) for r in session.scalars(query)]


def change_events(
    session: Session, actor: Actor, endpoint_id: str, events: Sequence[str]
) -> EndpointView:
    row = endpoint(session, actor, endpoint_id, lock=True)
    if row.disabled_at is not None:
        raise ConflictError(f"webhook {endpoint_id}: removed")
    row.events = check_events(events)
    return _view(row)


def disable(session: Session, actor: Actor, endpoint_id: str, *, now: datetime) -> None:
    """Remove an endpoint: nothing more is sent to it; what waits for it fails (emptied); its
    delivery log stays readable."""
    row = endpoint(session, actor, endpoint_id, lock=True)
    if row.disabled_at is None:
        row.disabled_at = now
    session.execute(
        update(table_of(OutboxMessage))
        .where(
            OutboxMessage.endpoint_id == endpoint_id,
            OutboxMessage.status.in_((PENDING, SENDING)),
        )
        .values(
            status=FAILED,
            failed_at=now,
            params=None,
            sealed=None,
            last_error="the endpoint was removed",
        )
    )


def _message(
    endpoint_id: str, event: str, data: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "channel": "webhook",
        "template": event,
        "language": DEFAULT_LANGUAGE,
        "endpoint_id": endpoint_id,
        "data_key_id": None,
        "sealed": None,
        "params": dict(data),
        "created_at": now,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "sent_at": None,
        "failed_at": None,
        "answer": None,
        "last_error": None,
    }


def emit(
    session: Session,
    *,
    organisation_id: str,
    event: str,
    data: Mapping[str, Any],
    now: datetime,
) -> list[str]:
    """Announce ``event`` to the organisation's endpoints that want it, in the caller's
    transaction; returns the ids of the messages written (one per endpoint; none if no endpoint
    wants it). ``data``: identifiers, whole numbers and booleans only (``PolicyError``)."""
    if event not in EVENTS:
        raise PolicyError(f"webhook event {event!r}: declare it in notify.webhooks.EVENTS")
    clean = check_data(data)
    rows = [
        _message(endpoint_id, event, clean, now)
        for endpoint_id, events in session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(
                WebhookEndpoint.organisation_id == organisation_id,
                WebhookEndpoint.disabled_at.is_(None),
            )
        )
        if ALL in events or event in events
    ]
    if rows:
        session.execute(insert(table_of(OutboxMessage)), rows)
    return [r["id"] for r in rows]


def send_test(session: Session, actor: Actor, endpoint_id: str, *, now: datetime) -> str:
    """A ``webhook.test`` delivery to one endpoint, whatever it subscribed to."""
    row = endpoint(session, actor, endpoint_id)
    if row.disabled_at is not None:
        raise ConflictError(f"webhook {endpoint_id}: removed")
    message = _message(endpoint_id, "webhook.test", {"endpoint_id": endpoint_id}, now)
    session.execute(insert(table_of(OutboxMessage)), [message])
    return str(message["id"])


def body(message_id: str, event: str, created_at: datetime, data: Mapping[str, Any]) -> bytes:
    """The JSON body of a webhook delivery (its bytes are what is signed)."""
    return orjson.dumps(
        {
            "id": message_id,
            "type": event,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "data": dict(data),
        },
        option=orjson.OPT_SORT_KEYS,
    )


def deliveries(
    session: Session, actor: Actor, endpoint_id: str, *, limit: int, before: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The endpoint's delivery log, newest first, ``limit`` at a time (``before``: the last id
    of the previous page); returns the page and the cursor of the next one (None at the end)."""
    endpoint(session, actor, endpoint_id)
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.endpoint_id == endpoint_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit + 1)
    )
    if before:
        query = query.where(OutboxMessage.id < before)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    status = {r.id: (r.status, r.attempts) for r in rows}
    attempts: dict[str, list[dict[str, Any]]] = {r.id: [] for r in rows}
    if rows:
        for a in session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.message_id.in_(list(attempts)))
            .order_by(DeliveryAttempt.message_id, DeliveryAttempt.number)
        ):
            outcome = a.outcome
            if outcome is None:  # under way, or its worker died during it
                outcome = (
                    "sending" if status[a.message_id] == (SENDING, a.number) else "interrupted"
                )
            attempts[a.message_id].append(
                {
                    "number": a.number,
                    "started_at": a.started_at.isoformat(),
                    "finished_at": a.finished_at.isoformat() if a.finished_at else None,
                    "outcome": outcome,
                    "answer": a.answer,
                    "error": a.error,
                }
            )
    page = [
        {
            "id": r.id,
            "event": r.template,
            "status": r.status,
            "attempts": r.attempts,
            "created_at": r.created_at.isoformat(),
            "next_attempt_at": r.next_attempt_at.isoformat()
            if r.status in (PENDING, SENDING)
            else None,
            "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            "failed_at": r.failed_at.isoformat() if r.failed_at else None,
            "answer": r.answer,
            "last_error": r.last_error,
            "tries": attempts[r.id],
        }
        for r in rows
    ]
    return page, (rows[-1].id if more else None)
