"""Putting a message into the outbox, in the caller's transaction (so it goes out exactly when
the change it announces is committed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from fairscreen.kit.db import table_of
from fairscreen.kit.ids import new_id
from fairscreen.notify.models import OutboxMessage

Channel = Literal["email", "sms", "webhook"]


def enqueue(
    session: Session,
    *,
    channel: Channel,
    recipient: str,
    template: str,
    params: dict[str, Any],
    now: datetime,
) -> str:
    message_id = new_id()
    session.execute(
        insert(table_of(OutboxMessage)),
        [
            {
                "id": message_id,
                "channel": channel,
                "recipient": recipient,
                "template": template,
                "params": params,
                "created_at": now,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "sent_at": None,
                "last_error": None,
            }
        ],
    )
    return message_id
