"""Delivering the outbox: claim, send, record; retries with exponential backoff; at least once.

A delivery is three steps, each of the database ones a short transaction of its own:

1. **claim** a batch of due messages (``pending``, or ``sending`` whose claim has lapsed), oldest
   first: PostgreSQL ``FOR UPDATE SKIP LOCKED`` (concurrent workers take different rows and never
   wait for each other); SQLite takes the write lock when the transaction begins, so claims are
   one at a time. A claimed message becomes ``sending`` with its attempt counted and
   ``next_attempt_at`` pushed out by the lease (``FAIRSCREEN_NOTIFY_LEASE``); an attempt row
   is written. Once that is committed, its personal part is opened and rendered (in memory
   only); if the vault or the database fails meanwhile, the attempt is a failure that may pass;
2. **send** it with the channel's transport, outside any transaction;
3. **record** the outcome, fenced by the attempt number (a worker whose lease lapsed cannot
   overwrite a later attempt): ``sent``; or, after a failure that may pass, ``pending`` again
   at ``now + min(base * 2^(n-1), max)`` for the n-th failure; or ``failed`` after a permanent
   failure or the last allowed attempt. A sent or failed message is emptied (``sealed`` and
   ``params`` set to NULL): what stays is the delivery log.

A worker killed between 1 and 3 leaves its messages ``sending``; once their lease lapses, the
next claim takes them again. So a message is never lost, and may be delivered twice: every
transport carries the message's id as an idempotency key (the e-mail's ``Message-ID``, the SMS
gateway's ``Idempotency-Key``, the webhook's ``Fairscreen-Id`` and body ``id``), which receivers
use to drop a repeat. docs/notify.md says this to receivers.
"""

from __future__ import annotations

import logging
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.periodic import Periodic, alongside
from fairscreen.kit.webhooks import EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, sign
from fairscreen.notify import webhooks
from fairscreen.notify.keys import platform_sealer
from fairscreen.notify.models import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    DeliveryAttempt,
    OutboxMessage,
    WebhookEndpoint,
)
from fairscreen.notify.outbox import open_payload
from fairscreen.notify.render import render
from fairscreen.notify.settings import NotifySettings, notify_settings
from fairscreen.notify.transports import DeliveryError, Outgoing, Transports, transports
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.keys import KeyProviderError

log = logging.getLogger(__name__)
_OUTBOX = table_of(OutboxMessage)
_ATTEMPTS = table_of(DeliveryAttempt)
_SETTING = {"email": "FAIRSCREEN_EMAIL_TRANSPORT", "sms": "FAIRSCREEN_SMS_TRANSPORT"}


@dataclass(frozen=True, slots=True)
class Schedule:
    """How often and when a message is tried: at most ``max_attempts`` times, waiting
    ``base * 2^(n-1)`` seconds (at most ``cap``) after the n-th failure."""

    max_attempts: int = 8
    base: float = 30.0
    cap: float = 3600.0

    def wait(self, failures: int) -> timedelta:
        return timedelta(seconds=min(self.cap, self.base * 2 ** max(failures - 1, 0)))

    def span(self) -> timedelta:
        """From the first attempt to the last, if every one fails: how long a message can wait."""
        return sum((self.wait(n) for n in range(1, self.max_attempts)), timedelta())

    @classmethod
    def of(cls, settings: NotifySettings) -> Schedule:
        return cls(
            settings.notify_max_attempts, settings.notify_backoff_base, settings.notify_backoff_max
        )


@dataclass(frozen=True, slots=True)
class Ready:
    """A claimed message: ready to send (``outgoing``) or already known to fail (``error``)."""

    id: str
    channel: str
    attempt: int
    outgoing: Outgoing | None
    error: DeliveryError | None = None


@dataclass
class Run:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def _unavailable(exc: Exception) -> str:
    """Our words for a failure of the vault or the database while opening messages (a
    ``FairscreenError`` says which setting or file; anything else only its type)."""
    if isinstance(exc, FairscreenError):
        return f"cannot open the message: {exc}"
    return f"cannot open the message ({type(exc).__name__}); tried again later"


# What a sent or failed message no longer holds.
EMPTIED: dict[str, Any] = {"sealed": None, "params": None, "data_key_id": None}


class Deliverer:
    """Delivers due messages from ``sessions``' outbox with ``transports``; ``vault`` (or a
    function returning it, called when first needed) opens what is sealed; ``clock`` is the
    time every decision is made at (tests inject one)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Vault | Callable[[], Vault],
        transports: Transports,
        *,
        schedule: Schedule | None = None,
        lease: float = 120.0,
        batch: int = 5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self._vault = vault
        self.transports = transports
        self.schedule = schedule or Schedule()
        self.lease = timedelta(seconds=lease)
        self.batch = batch
        self.clock = clock

    def __repr__(self) -> str:
        return f"Deliverer({self.transports!r})"

    def vault(self) -> Vault:
        return self._vault if isinstance(self._vault, Vault) else self._vault()

    # -- 1. claim ------------------------------------------------------------------------------

    def claim(self) -> list[Ready]:
        """Claim up to ``batch`` due messages and prepare them (see the module's text)."""
        now = self.clock()
        claimed: list[tuple[Any, int]] = []
        with self.sessions.begin() as session:
            rows = session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.channel,
                    OutboxMessage.template,
                    OutboxMessage.language,
                    OutboxMessage.endpoint_id,
                    OutboxMessage.sealed,
                    OutboxMessage.params,
                    OutboxMessage.created_at,
                    OutboxMessage.attempts,
                    OutboxMessage.status,
                )
                .where(
                    OutboxMessage.status.in_((PENDING, SENDING)),
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                if row.status == SENDING and row.attempts >= self.schedule.max_attempts:
                    # its last allowed attempt was cut short (the worker died): give up
                    session.execute(
                        update(_OUTBOX)
                        .where(OutboxMessage.id == row.id)
                        .values(
                            status=FAILED,
                            failed_at=now,
                            last_error="the worker stopped during the last allowed attempt",
                            **EMPTIED,
                        )
                    )
                    continue
                attempt = row.attempts + 1
                session.execute(
                    update(_OUTBOX)
                    .where(OutboxMessage.id == row.id)
                    .values(status=SENDING, attempts=attempt, next_attempt_at=now + self.lease)
                )
                session.execute(
                    insert(_ATTEMPTS),
                    [{"message_id": row.id, "number": attempt, "started_at": now}],
                )
                claimed.append((row, attempt))
        # Opening and rendering happen after the claim is committed: the vault may need the
        # database itself when it is first opened (``fairscreen serve`` opens it on first use,
        # recording the keys it depends on), which on SQLite waits for the claim's write lock.
        return self._prepare_all(claimed, now) if claimed else []

    def _prepare_all(self, claimed: list[tuple[Any, int]], now: datetime) -> list[Ready]:
        try:
            vault = self.vault()
            with self.sessions() as session:
                sealer = platform_sealer(session, vault, now=now, create=False)
                return [self._prepare(session, sealer, row, attempt) for row, attempt in claimed]
        except Exception as exc:  # the vault or the database, not the messages: try again later
            reason = _unavailable(exc)
            log.error("notify: cannot open the claimed messages: %s", reason)
            error = DeliveryError(reason)
            return [Ready(row.id, row.channel, attempt, None, error) for row, attempt in claimed]

    def _prepare(self, session: Session, sealer: Sealer, row: Any, attempt: int) -> Ready:
        try:
            if row.channel == "webhook":
                outgoing = self._webhook(session, sealer, row)
            else:
                if row.sealed is None:
                    raise DeliveryError("nothing to send (already emptied)", permanent=True)
                payload = open_payload(sealer, row.id, bytes(row.sealed))
                text = render(row.template, row.channel, row.language, payload.params)
                outgoing = Outgoing(
                    row.id,
                    row.channel,
                    payload.recipient,
                    text.subject,
                    text.body.encode(),
                    row.language,
                )
        except DeliveryError as exc:
            return Ready(row.id, row.channel, attempt, None, exc)
        except (SQLAlchemyError, KeyProviderError, OSError) as exc:  # may pass: try again
            return Ready(row.id, row.channel, attempt, None, DeliveryError(_unavailable(exc)))
        except Exception as exc:  # a message that cannot be opened or rendered never will be
            reason = f"cannot prepare the message ({type(exc).__name__})"
            log.error("outbox message %s: %s", row.id, reason)
            return Ready(row.id, row.channel, attempt, None, DeliveryError(reason, permanent=True))
        return Ready(row.id, row.channel, attempt, outgoing)

    def _webhook(self, session: Session, sealer: Sealer, row: Any) -> Outgoing:
        endpoint = session.get(WebhookEndpoint, row.endpoint_id)
        if endpoint is None or endpoint.disabled_at is not None:
            raise DeliveryError("the endpoint was removed", permanent=True)
        if row.params is None:
            raise DeliveryError("nothing to send (already emptied)", permanent=True)
        secret = webhooks.open_secret(sealer, endpoint.id, bytes(endpoint.secret_ct))
        content = webhooks.body(row.id, row.template, row.created_at, row.params)
        headers = {
            SIGNATURE_HEADER: sign(secret, content, timestamp=int(self.clock().timestamp())),
            ID_HEADER: row.id,
            EVENT_HEADER: row.template,
        }
        return Outgoing(row.id, "webhook", endpoint.url, None, content, row.language, headers)

    # -- 2. send -------------------------------------------------------------------------------

    def send(self, ready: Ready) -> tuple[str | None, DeliveryError | None]:
        if ready.error is not None or ready.outgoing is None:
            return None, ready.error
        transport = self.transports.of(ready.channel)
        if transport is None:
            setting = _SETTING.get(ready.channel, "the settings")
            return None, DeliveryError(f"no {ready.channel} transport is configured ({setting})")
        try:
            return transport.send(ready.outgoing), None
        except DeliveryError as exc:
            return exc.answer, exc
        except Exception as exc:  # a bug in a transport: log its type, never the message
            log.error(
                "outbox message %s: %s failed: %s", ready.id, transport.name, type(exc).__name__
            )
            return None, DeliveryError(f"{transport.name} failed ({type(exc).__name__})")

    # -- 3. record -----------------------------------------------------------------------------

    def record(self, ready: Ready, answer: str | None, error: DeliveryError | None) -> str:
        """Record the attempt's outcome (``sent``, ``retry``, ``failed``) and return it."""
        now = self.clock()
        values: dict[str, Any]
        if error is None:
            outcome = SENT
            values = {"status": SENT, "sent_at": now, "last_error": None, **EMPTIED}
        elif error.permanent or ready.attempt >= self.schedule.max_attempts:
            outcome = FAILED
            values = {"status": FAILED, "failed_at": now, "last_error": error.reason, **EMPTIED}
        else:
            outcome = "retry"
            values = {
                "status": PENDING,
                "next_attempt_at": now + self.schedule.wait(ready.attempt),
                "last_error": error.reason,
            }
        values["answer"] = answer
        with self.sessions.begin() as session:
            done = session.execute(
                update(_OUTBOX)
                .where(
                    OutboxMessage.id == ready.id,
                    OutboxMessage.status == SENDING,
                    OutboxMessage.attempts == ready.attempt,
                )
                .values(**values)
            )
            session.execute(
                update(_ATTEMPTS)
                .where(
                    DeliveryAttempt.message_id == ready.id,
                    DeliveryAttempt.number == ready.attempt,
                )
                .values(
                    finished_at=now,
                    outcome=outcome,
                    answer=answer,
                    error=None if error is None else error.reason,
                )
            )
        if getattr(done, "rowcount", 1) == 0:
            log.warning(
                "outbox message %s: attempt %d ended after its claim lapsed (%s); the message "
                "was claimed again or removed meanwhile",
                ready.id,
                ready.attempt,
                outcome,
            )
        return outcome

    def release(self, unsent: list[Ready]) -> None:
        """Give back claimed messages that were not sent (the worker is stopping): due now,
        their attempt not counted."""
        if not unsent:
            return
        now = self.clock()
        with self.sessions.begin() as session:
            for ready in unsent:
                session.execute(
                    update(_OUTBOX)
                    .where(
                        OutboxMessage.id == ready.id,
                        OutboxMessage.status == SENDING,
                        OutboxMessage.attempts == ready.attempt,
                    )
                    .values(status=PENDING, attempts=ready.attempt - 1, next_attempt_at=now)
                )
                session.execute(
                    delete(_ATTEMPTS).where(
                        DeliveryAttempt.message_id == ready.id,
                        DeliveryAttempt.number == ready.attempt,
                    )
                )

    # -- a run ---------------------------------------------------------------------------------

    def run_once(self, stop: threading.Event | None = None) -> Run:
        """Deliver every message that is due, batch after batch, until none is (or ``stop`` is
        set: then what was claimed and not yet sent is given back)."""
        run = Run()
        while stop is None or not stop.is_set():
            claimed = self.claim()
            if not claimed:
                break
            for i, ready in enumerate(claimed):
                if stop is not None and stop.is_set():
                    self.release(claimed[i:])
                    break
                answer, error = self.send(ready)
                outcome = self.record(ready, answer, error)
                if outcome == SENT:
                    run.sent += 1
                elif outcome == FAILED:
                    run.failed += 1
                    log.warning(
                        "outbox message %s (%s) failed for good: %s",
                        ready.id,
                        ready.channel,
                        error.reason if error else "",
                    )
                else:
                    run.retrying += 1
        if run.total:
            log.info("notify: %s", run)
        return run


def deliverer_from_settings(
    sessions: sessionmaker[Session],
    vault: Vault | Callable[[], Vault],
    settings: NotifySettings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Deliverer:
    settings = settings or notify_settings()
    return Deliverer(
        sessions,
        vault,
        transports(settings),
        schedule=Schedule.of(settings),
        lease=settings.notify_lease,
        batch=settings.notify_batch,
        clock=clock,
    )


class DeliveryWorker:
    """Runs ``deliverer.run_once`` every ``interval`` seconds on a daemon thread (first at
    start), the way ``fairscreen serve`` and ``fairscreen notify deliver`` deliver."""

    def __init__(self, deliverer: Deliverer, *, interval: float) -> None:
        self.deliverer = deliverer
        self.interval = interval
        self.runs = 0
        self.last: Run | None = None
        self._periodic = Periodic("notify-delivery", self._tick, interval=interval, first_after=0)

    def __repr__(self) -> str:
        return f"DeliveryWorker(every {self.interval} s)"

    def _tick(self) -> None:
        try:
            self.last = self.deliverer.run_once(self._periodic.stopping)
        finally:
            self.runs += 1

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        """Stop after the message being sent (the rest of its batch is given back)."""
        self._periodic.stop()


def install(
    app: FastAPI, sessions: sessionmaker[Session], *, settings: NotifySettings | None = None
) -> DeliveryWorker | None:
    """Run a delivery worker for as long as ``app`` runs (``FAIRSCREEN_NOTIFY_INTERVAL``
    seconds between polls; 0: none). It opens the app's vault when it first needs it. The
    worker is ``app.state.delivery_worker``."""
    settings = settings or notify_settings()
    if settings.notify_interval <= 0:
        return None
    from fairscreen.vault.lazy import app_vault

    request_like = types.SimpleNamespace(app=app)
    deliverer = deliverer_from_settings(sessions, lambda: app_vault(request_like), settings)
    worker = DeliveryWorker(deliverer, interval=settings.notify_interval)
    app.state.delivery_worker = worker
    alongside(app, worker)
    return worker
