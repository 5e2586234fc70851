"""Putting an e-mail or an SMS into the outbox, in the caller's transaction (so it goes out
exactly when the change it announces is committed), and opening it again to deliver it.

The recipient and the parameters are personal data while the message waits: they are sealed
together, under the platform's notification key (``notify.keys``), with associated data that
binds the ciphertext to its row. The template is rendered once here, so that an unknown
template or a missing parameter fails the caller's transaction instead of the delivery.
Webhook messages are written by ``notify.webhooks.emit``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fairscreen.kit.db import table_of
from fairscreen.kit.errors import InputError
from fairscreen.kit.ids import new_id
from fairscreen.notify.keys import platform_sealer
from fairscreen.notify.models import PENDING, SENDING, OutboxMessage
from fairscreen.notify.render import DEFAULT_LANGUAGE, render
from fairscreen.vault import Sealer, Vault

Channel = Literal["email", "sms"]
SEALED_AT = ("outbox", "sealed")  # the table and column the ciphertext is bound to
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass(frozen=True, slots=True)
class Payload:
    """A waiting message's personal part, opened."""

    recipient: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Opened:
    """A waiting message with its personal part opened."""

    id: str
    channel: str
    template: str
    language: str
    payload: Payload


def _check_recipient(channel: str, recipient: str) -> None:
    if channel == "email" and not _EMAIL.fullmatch(recipient):
        raise InputError("recipient", "an e-mail address")
    if channel == "sms" and not _PHONE.fullmatch(recipient):
        raise InputError("recipient", "a phone number in E.164 form, such as +8613800000000")


def enqueue(
    session: Session,
    *,
    vault: Vault,
    channel: Channel,
    recipient: str,
    template: str,
    params: Mapping[str, Any],
    now: datetime,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """Write an e-mail or SMS to ``recipient`` (an address, a +E.164 number) from ``template``
    with ``params`` (JSON values) in ``language``; returns the message's id, which is also its
    idempotency key (``Message-ID`` of the e-mail, ``id`` for the SMS gateway)."""
    if channel not in ("email", "sms"):
        raise InputError("channel", "email or sms (webhooks: notify.webhooks.emit)")
    _check_recipient(channel, recipient)
    render(template, channel, language, params)  # fails here, not at delivery
    try:
        payload = orjson.dumps({"recipient": recipient, "params": dict(params)})
    except TypeError as exc:
        raise InputError("params", f"JSON values only ({exc})") from None
    message_id = new_id()
    sealer = platform_sealer(session, vault, now=now)
    session.execute(
        insert(table_of(OutboxMessage)),
        [
            {
                "id": message_id,
                "channel": channel,
                "template": template,
                "language": language,
                "endpoint_id": None,
                "data_key_id": sealer.data_key_id,
                "sealed": sealer.seal(*SEALED_AT, message_id, payload),
                "params": None,
                "created_at": now,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "sent_at": None,
                "failed_at": None,
                "answer": None,
                "last_error": None,
            }
        ],
    )
    return message_id


def open_payload(sealer: Sealer, message_id: str, sealed: bytes) -> Payload:
    """The recipient and parameters of a waiting message (``SealError`` if it does not open)."""
    data = orjson.loads(sealer.open(*SEALED_AT, message_id, sealed))
    return Payload(str(data["recipient"]), dict(data["params"]))


def waiting(session: Session, vault: Vault, *, template: str | None = None) -> list[Opened]:
    """The e-mails and SMS not yet delivered, opened, oldest first (for operators' tools and
    tests; the worker opens what it claims)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.sealed.is_not(None),
        )
        .order_by(OutboxMessage.id)
    )
    if template is not None:
        query = query.where(OutboxMessage.template == template)
    rows = list(session.scalars(query))
    if not rows:
        return []
    sealer = platform_sealer(session, vault, now=rows[0].created_at)
    out = []
    for row in rows:
        assert row.sealed is not None
        payload = open_payload(sealer, row.id, bytes(row.sealed))
        out.append(Opened(row.id, row.channel, row.template, row.language, payload))
    return out
