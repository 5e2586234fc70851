"""Helpers for the notification tests: a clock the test moves, a deliverer over the test's
database and vault with the transports a test chooses, and a webhook-managing organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from fairscreen.notify.delivery import Deliverer, Schedule
from fairscreen.notify.models import DeliveryAttempt, OutboxMessage
from fairscreen.notify.settings import notify_settings
from fairscreen.notify.transports import Transport, Transports, WebhookTransport
from fairscreen.vault import Vault
from tests.conftest import Database

T0 = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
LOOPBACK = "127.0.0.0/8,::1/128"


class Clock:
    """The time every delivery decision is taken at; tests move it, nothing sleeps."""

    def __init__(self, at: datetime = T0) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def deliverer(
    db: Database,
    vault: Vault | Callable[[], Vault],
    *,
    email: Transport | None = None,
    sms: Transport | None = None,
    webhook: Transport | None = None,
    clock: Clock | None = None,
    schedule: Schedule | None = None,
    lease: float = 120.0,
    batch: int = 5,
) -> Deliverer:
    return Deliverer(
        db.sessions,
        vault,
        Transports(email, sms, webhook),
        schedule=schedule or Schedule(max_attempts=4, base=30, cap=3600),
        lease=lease,
        batch=batch,
        clock=clock or Clock(),
    )


def loopback_webhooks() -> WebhookTransport:
    from fairscreen.notify.settings import networks

    return WebhookTransport(allowed=networks(LOOPBACK), timeout=10)


def message(db: Database, message_id: str) -> OutboxMessage:
    with db.sessions() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def attempts(db: Database, message_id: str) -> list[dict[str, Any]]:
    with db.sessions() as session:
        return [
            {"number": a.number, "outcome": a.outcome, "answer": a.answer, "error": a.error}
            for a in session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.message_id == message_id)
                .order_by(DeliveryAttempt.number)
            )
        ]


@dataclass
class Emptied:
    """What a delivered or failed message must no longer hold."""

    @staticmethod
    def check(row: OutboxMessage) -> None:
        assert row.sealed is None and row.params is None and row.data_key_id is None


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings let webhooks reach this machine (as an operator of a test site would)."""
    monkeypatch.setenv("FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS", LOOPBACK)
    notify_settings.cache_clear()
    yield
    monkeypatch.delenv("FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS", raising=False)
    notify_settings.cache_clear()
