"""Delivering e-mail and SMS against real servers on loopback (aiosmtpd; an HTTP gateway), the
retry schedule with a clock the test moves, claims, leases and their fencing, and what a
delivered or failed message keeps."""

from __future__ import annotations

import json
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from fairscreen.kit.errors import ConfigError
from fairscreen.notify.delivery import Schedule
from fairscreen.notify.models import OutboxMessage
from fairscreen.notify.outbox import enqueue
from fairscreen.notify.settings import load_notify_settings
from fairscreen.notify.transports import (
    FileTransport,
    HttpSmsGateway,
    SmtpTransport,
    transports,
)
from fairscreen.vault import Vault
from fairscreen.vault.keys import KeyProviderError
from tests.conftest import Database
from tests.notify.conftest import T0, Clock, Emptied, attempts, deliverer, message
from tests.notify.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    Receiver,
    make_certificate,
    smtp_server,
)

CODE = {"code": "604913", "minutes": 10}


def _email(db: Database, vault: Vault, to: str = "lin.fang@mail.example", **kw: str) -> str:
    with db.sessions.begin() as session:
        return enqueue(
            session,
            vault=vault,
            channel="email",
            recipient=to,
            template="one_time_code",
            params=CODE,
            now=T0,
            language=kw.get("language", "zh-Hant"),
        )


def _sms(db: Database, vault: Vault, to: str = "+8613800138000") -> str:
    with db.sessions.begin() as session:
        return enqueue(
            session,
            vault=vault,
            channel="sms",
            recipient=to,
            template="one_time_code",
            params=CODE,
            now=T0,
            language="en",
        )


def _smtp(port: int, security: str = "none", **kw: object) -> SmtpTransport:
    return SmtpTransport(
        host="127.0.0.1",
        port=port,
        security=security,
        sender="fairscreen <no-reply@fairscreen.example>",
        timeout=10,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return make_certificate(tmp_path / "tls", "localhost")


# -- e-mail ------------------------------------------------------------------------------------


def test_an_email_reaches_the_smtp_server_and_leaves_a_delivery_log(
    db: Database, vault: Vault
) -> None:
    message_id = _email(db, vault, language="en")
    with smtp_server() as server:
        run = deliverer(db, vault, email=_smtp(server.port)).run_once()
    assert (run.sent, run.retrying, run.failed) == (1, 0, 0)
    [mail] = server.mails
    assert mail.recipients == ["lin.fang@mail.example"]
    assert mail.sender == "no-reply@fairscreen.example"
    assert mail.message["Subject"] == "Your fairscreen code: 604913"
    assert mail.message["Message-ID"] == f"<{message_id}@fairscreen.example>"
    assert mail.message["Content-Language"] == "en"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert "604913" in mail.text and "10 minutes" in mail.text
    row = message(db, message_id)
    assert (row.status, row.attempts, row.answer, row.sent_at) == ("sent", 1, "smtp 250", T0)
    Emptied.check(row)
    assert attempts(db, message_id) == [
        {"number": 1, "outcome": "sent", "answer": "smtp 250", "error": None}
    ]
    # and the log keeps nothing of the person: no address, no code, anywhere in the row
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT * FROM outbox WHERE id = :id"), {"id": message_id}).one()
    assert not any("604913" in str(v) or "lin.fang" in str(v) for v in stored)


def test_starttls_with_authentication_verifies_the_certificate(
    db: Database, vault: Vault, certificate: Certificate
) -> None:
    message_id = _email(db, vault)
    with smtp_server("starttls", certificate) as server:
        good = _smtp(
            server.port,
            "starttls",
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            ca_file=certificate.cert,
        )
        assert deliverer(db, vault, email=good).run_once().sent == 1
    [mail] = server.mails
    assert mail.tls and mail.authenticated and "604913" in mail.text
    assert "一次性驗證碼" in mail.text  # zh-Hant, the default language
    assert message(db, message_id).status == "sent"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_from_the_first_byte_with_authentication(
    db: Database, vault: Vault, certificate: Certificate
) -> None:
    _email(db, vault)
    with smtp_server("ssl", certificate) as server:
        transport = _smtp(
            server.port, "ssl", username=SMTP_USER, password=SMTP_PASSWORD, ca_file=certificate.cert
        )
        assert deliverer(db, vault, email=transport).run_once().sent == 1
    assert server.mails[0].tls and server.mails[0].authenticated


def test_an_untrusted_certificate_or_a_wrong_password_is_retried_with_the_setting_named(
    db: Database, vault: Vault, certificate: Certificate
) -> None:
    message_id = _email(db, vault)
    clock = Clock()
    with smtp_server("starttls", certificate) as server:
        untrusted = _smtp(server.port, "starttls", username=SMTP_USER, password=SMTP_PASSWORD)
        run = deliverer(db, vault, email=untrusted, clock=clock).run_once()
        row = message(db, message_id)
        assert run.retrying == 1 and row.status == "pending"
        assert row.last_error is not None and "FAIRSCREEN_SMTP_CA_FILE" in row.last_error
        clock.advance(30)
        wrong = _smtp(
            server.port, "starttls", username=SMTP_USER, password="nope", ca_file=certificate.cert
        )
        deliverer(db, vault, email=wrong, clock=clock).run_once()
        row = message(db, message_id)
        assert row.status == "pending" and row.answer == "smtp 535"
        assert row.last_error is not None and "FAIRSCREEN_SMTP_PASSWORD" in row.last_error
        assert row.sealed is not None  # still waiting, still sealed
    assert server.mails == []


def test_a_refused_recipient_fails_at_once_without_keeping_the_address(
    db: Database, vault: Vault
) -> None:
    message_id = _email(db, vault, to="gone@mail.example")
    with smtp_server() as server:
        server.refuse.add("gone@mail.example")
        run = deliverer(db, vault, email=_smtp(server.port)).run_once()
    assert (run.sent, run.failed) == (0, 1)
    row = message(db, message_id)
    assert (row.status, row.answer, row.attempts) == ("failed", "smtp 550", 1)
    assert row.last_error == "the recipient's address was refused"
    Emptied.check(row)


def test_an_unreachable_smtp_server_is_retried(db: Database, vault: Vault) -> None:
    from tests.notify.servers import free_port

    message_id = _email(db, vault)
    run = deliverer(db, vault, email=_smtp(free_port())).run_once()
    row = message(db, message_id)
    assert run.retrying == 1 and row.status == "pending"
    assert row.last_error is not None and row.last_error.startswith("cannot reach SMTP server")


# -- SMS ---------------------------------------------------------------------------------------


def test_an_sms_goes_to_the_http_gateway_with_its_idempotency_key(
    db: Database, vault: Vault
) -> None:
    message_id = _sms(db, vault)
    with Receiver([202]) as gateway:
        transport = HttpSmsGateway(url=gateway.url, token="gateway-token")
        assert deliverer(db, vault, sms=transport).run_once().sent == 1
    [request] = gateway.requests
    assert request.json() == {
        "id": message_id,
        "to": "+8613800138000",
        "text": "fairscreen code 604913, valid for 10 minutes. If you did not ask for it, "
        "ignore this message.",
        "language": "en",
    }
    assert request.headers["authorization"] == "Bearer gateway-token"
    assert request.headers["idempotency-key"] == message_id
    row = message(db, message_id)
    assert (row.status, row.answer) == ("sent", "http 202")
    Emptied.check(row)


def test_the_gateway_refusing_a_message_fails_it_and_a_busy_gateway_is_retried(
    db: Database, vault: Vault
) -> None:
    refused, busy = _sms(db, vault), _sms(db, vault, "+8613800138001")
    with Receiver([400, 503]) as gateway:
        run = deliverer(db, vault, sms=HttpSmsGateway(url=gateway.url)).run_once()
    assert (run.failed, run.retrying) == (1, 1)
    assert (message(db, refused).status, message(db, refused).answer) == ("failed", "http 400")
    assert (message(db, busy).status, message(db, busy).answer) == ("pending", "http 503")


def test_the_file_transport_writes_a_private_line_per_message(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    path = tmp_path / "dev" / "outbox.jsonl"
    _email(db, vault)
    _sms(db, vault)
    transport = FileTransport(path)
    assert deliverer(db, vault, email=transport, sms=transport).run_once().sent == 2
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(line["channel"], line["to"]) for line in lines] == [
        ("email", "lin.fang@mail.example"),
        ("sms", "+8613800138000"),
    ]
    assert "604913" in lines[0]["subject"] and "604913" in lines[1]["text"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- the schedule ------------------------------------------------------------------------------


def test_failures_are_retried_on_the_exponential_schedule_then_given_up(
    db: Database, vault: Vault
) -> None:
    """max 5 attempts, 30 s doubling, at most 100 s: tries at 0, 30, 90, 190, 290 s."""
    message_id = _sms(db, vault)
    clock = Clock()
    schedule = Schedule(max_attempts=5, base=30, cap=100)
    with Receiver([503] * 10) as gateway:
        worker = deliverer(
            db, vault, sms=HttpSmsGateway(url=gateway.url), clock=clock, schedule=schedule
        )
        seen: list[tuple[float, int, str]] = []
        for at in (0, 29, 30, 89, 90, 189, 190, 289, 290, 1000):
            clock.now = T0 + timedelta(seconds=at)
            worker.run_once()
            row = message(db, message_id)
            seen.append((at, len(gateway.requests), row.status))
    assert seen == [
        (0, 1, "pending"),
        (29, 1, "pending"),
        (30, 2, "pending"),
        (89, 2, "pending"),
        (90, 3, "pending"),
        (189, 3, "pending"),
        (190, 4, "pending"),
        (289, 4, "pending"),
        (290, 5, "failed"),
        (1000, 5, "failed"),
    ]
    row = message(db, message_id)
    assert row.attempts == 5 and row.answer == "http 503"
    Emptied.check(row)
    assert [a["outcome"] for a in attempts(db, message_id)] == ["retry"] * 4 + ["failed"]
    assert schedule.span().total_seconds() == 30 + 60 + 100 + 100


def test_a_channel_without_a_transport_is_retried_then_fails_naming_the_setting(
    db: Database, vault: Vault
) -> None:
    message_id = _email(db, vault)
    clock = Clock()
    worker = deliverer(db, vault, clock=clock, schedule=Schedule(max_attempts=2, base=10))
    worker.run_once()
    assert message(db, message_id).last_error == (
        "no email transport is configured (FAIRSCREEN_EMAIL_TRANSPORT)"
    )
    clock.advance(10)
    worker.run_once()
    row = message(db, message_id)
    assert row.status == "failed" and row.attempts == 2
    Emptied.check(row)


# -- claims and leases -------------------------------------------------------------------------


def test_a_claim_whose_worker_vanished_is_taken_again_after_its_lease(
    db: Database, vault: Vault
) -> None:
    message_id = _sms(db, vault)
    clock = Clock()
    with Receiver() as gateway:
        worker = deliverer(db, vault, sms=HttpSmsGateway(url=gateway.url), clock=clock, lease=60)
        [lost] = worker.claim()  # ... and the worker dies before sending
        assert message(db, message_id).status == "sending"
        clock.advance(59)
        assert worker.claim() == []  # still leased
        clock.advance(1)
        assert worker.run_once().sent == 1  # attempt 2 takes it
        # the first worker coming back late cannot overwrite what attempt 2 recorded
        assert worker.record(lost, None, None) == "sent"
    row = message(db, message_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [a["number"] for a in attempts(db, message_id)] == [1, 2]
    assert len(gateway.requests) == 1


def test_a_stopping_worker_gives_back_what_it_claimed_and_did_not_send(
    db: Database, vault: Vault
) -> None:
    ids = [_sms(db, vault, f"+861380013800{i}") for i in range(3)]
    worker = deliverer(db, vault, batch=3)
    claimed = worker.claim()
    assert len(claimed) == 3
    worker.release(claimed)
    rows = [message(db, i) for i in ids]
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [("pending", 0, T0)] * 3
    assert all(attempts(db, i) == [] for i in ids)
    stop = threading.Event()
    stop.set()
    assert worker.run_once(stop).total == 0


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_concurrent_workers_skip_rows_another_has_locked(db: Database, vault: Vault) -> None:
    """PostgreSQL: a claim skips the rows another transaction holds (SKIP LOCKED) instead of
    waiting for them."""
    first, second = _sms(db, vault), _sms(db, vault, "+8613800138009")
    with db.sessions.begin() as other:
        other.execute(
            select(OutboxMessage).where(OutboxMessage.id == first).with_for_update()
        ).all()
        claimed = deliverer(db, vault).claim()
        assert [c.id for c in claimed] == [second]
    assert [c.id for c in deliverer(db, vault, clock=Clock(T0)).claim()] == [first]


# -- settings ----------------------------------------------------------------------------------


def test_transports_come_from_the_settings_and_bad_ones_are_named(tmp_path: Path) -> None:
    chosen = transports(
        load_notify_settings(
            email_transport="smtp",
            smtp_host="mail.example",
            sms_transport="file",
            notify_file=tmp_path / "o.jsonl",
        )
    )
    assert isinstance(chosen.email, SmtpTransport) and isinstance(chosen.sms, FileTransport)
    with pytest.raises(ConfigError, match="FAIRSCREEN_SMS_URL"):
        transports(load_notify_settings(sms_transport="http"))
    with pytest.raises(ConfigError, match="never sent unencrypted"):
        transports(
            load_notify_settings(email_transport="smtp", smtp_security="none", smtp_username="u")
        )
    with pytest.raises(ConfigError, match="FAIRSCREEN_SMTP_SECURITY"):
        load_notify_settings(smtp_security="sometimes")
    with pytest.raises(ConfigError, match="FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS"):
        load_notify_settings(webhook_allow_networks="localhost")
    for url in ("screening.example.com", "https://screening.example.com/", "ftp://x.example"):
        with pytest.raises(ConfigError, match="FAIRSCREEN_PUBLIC_URL"):
            load_notify_settings(public_url=url)
    assert load_notify_settings(public_url="https://x.example/fs").public_url.endswith("/fs")


def test_a_vault_that_cannot_be_opened_delays_messages_without_losing_them(
    db: Database, vault: Vault
) -> None:
    """The key file missing or the HSM away is the site's trouble, not the message's: it is
    tried again on the schedule, still sealed, and goes once the vault opens."""
    message_id = _sms(db, vault)
    clock = Clock()

    def unavailable() -> Vault:
        raise KeyProviderError("key file /srv/keys/kek.json: no such file (FAIRSCREEN_DATA_DIR)")

    with Receiver() as gateway:
        sms = HttpSmsGateway(url=gateway.url)
        assert deliverer(db, unavailable, sms=sms, clock=clock).run_once().retrying == 1
        row = message(db, message_id)
        assert (row.status, row.attempts) == ("pending", 1) and row.sealed is not None
        assert row.last_error is not None and "kek.json: no such file" in row.last_error
        clock.advance(30)
        assert deliverer(db, lambda: vault, sms=sms, clock=clock).run_once().sent == 1
    assert [r.json()["id"] for r in gateway.requests] == [message_id]
    assert [a["outcome"] for a in attempts(db, message_id)] == ["retry", "sent"]
