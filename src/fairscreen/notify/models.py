"""The outbox and its delivery log, webhook endpoints, and the platform key that seals what is
waiting to go out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Sealed, UTCDateTime

# Message states: waiting (``pending``), claimed by a worker that is sending it (``sending``,
# until ``next_attempt_at``: the claim's lease), delivered (``sent``), given up (``failed``).
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class NotifyKey(Base):
    """The data key the platform seals outbox messages and webhook secrets under (``name``
    ``platform``): a ``data_keys`` row like a candidate's, wrapped by the key-encryption key,
    so it rotates with the KEK and never sits in the database in the clear."""

    __tablename__ = "notify_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookEndpoint(Base):
    """An organisation's webhook: where events go (``url``), which (``events``, or ``["*"]``),
    and the signing secret, sealed under the platform key. Disabled endpoints stay for their
    delivery log."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    secret_ct: Mapped[bytes] = mapped_column(Sealed)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(48))  # Actor.label
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutboxMessage(Base):
    """A message waiting to be delivered, or its delivery record once it has been.

    ``channel`` is ``email``, ``sms`` or ``webhook``; ``template`` the template's name (e-mail,
    SMS) or the event type (webhook); ``language`` the recipient's (zh-Hant, zh-Hans, en).
    While an e-mail or SMS waits, its recipient and parameters are one ciphertext (``sealed``)
    under the platform key (``data_key_id``); a webhook message names its endpoint and keeps its
    event's identifiers in ``params`` (ids only, by construction). Once delivered or given up,
    ``sealed`` and ``params`` are emptied: the row is a delivery log, with its status, attempt
    count, times and the transport's last answer code (``answer``, e.g. ``smtp 250``,
    ``http 503``), never a person's address or the message's text."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    endpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("webhook_endpoints.id"), nullable=True, index=True
    )
    data_key_id: Mapped[str | None] = mapped_column(ForeignKey("data_keys.id"), nullable=True)
    sealed: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class DeliveryAttempt(Base):
    """One attempt at delivering a message: when it started and ended, how (``sent``,
    ``retry``, ``failed``; none if the worker died during it) and the transport's answer. What
    a webhook endpoint's delivery log shows, attempt by attempt."""

    __tablename__ = "outbox_attempts"

    message_id: Mapped[str] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answer: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
