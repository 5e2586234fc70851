"""``fairscreen notify``: deliver the outbox, see how it stands, and check a webhook signature
as a receiver would."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairscreen.kit.errors import ConfigError, InputError
from fairscreen.kit.signals import Terminated

app = typer.Typer(
    help="Notifications: deliver the outbox (e-mail, SMS, webhooks), its state, and webhook "
    "signature checks for receivers (docs/notify.md).",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def deliver(
    once: Annotated[
        bool, typer.Option("--once", help="deliver what is due now, then exit")
    ] = False,
    interval: Annotated[
        float | None,
        typer.Option(min=0.1, help="seconds between polls (default FAIRSCREEN_NOTIFY_INTERVAL)"),
    ] = None,
) -> None:
    """Deliver the outbox with the transports the settings choose (FAIRSCREEN_EMAIL_TRANSPORT,
    FAIRSCREEN_SMS_TRANSPORT, ...): every message that is due, retrying failures with backoff.
    Without --once it keeps polling until Ctrl-C or SIGTERM; any number of these (and of
    `fairscreen serve`) may run against one database."""
    from fairscreen.kit.db import open_database
    from fairscreen.kit.settings import get_settings
    from fairscreen.notify.delivery import DeliveryWorker, deliverer_from_settings
    from fairscreen.notify.settings import notify_settings
    from fairscreen.vault.providers import USE, open_vault

    settings = notify_settings()
    _, sessions = open_database()
    with open_vault(get_settings(), sessions, mode=USE) as vault:
        deliverer = deliverer_from_settings(sessions, vault, settings)
        if once:
            run = deliverer.run_once()
            out.print(f"notify: {run}")
            return
        every = interval if interval is not None else settings.notify_interval
        if every <= 0:
            raise ConfigError("FAIRSCREEN_NOTIFY_INTERVAL=0: give --interval or use --once")
        worker = DeliveryWorker(deliverer, interval=every)
        err.print(f"notify: delivering every {every:g} s (Ctrl-C to stop)")
        worker.start()
        try:
            threading.Event().wait()
        except (KeyboardInterrupt, Terminated):
            err.print("notify: stopping after the message being sent")
        finally:
            worker.stop()


@app.command()
def status() -> None:
    """How many messages are pending, being sent, sent and failed, per channel (no personal
    data: the outbox keeps none once a message is delivered)."""
    from sqlalchemy import func, select

    from fairscreen.kit.db import open_database
    from fairscreen.notify.models import OutboxMessage

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        rows = session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, func.count())
            .group_by(OutboxMessage.channel, OutboxMessage.status)
            .order_by(OutboxMessage.channel, OutboxMessage.status)
        ).all()
    if not rows:
        out.print("notify: the outbox is empty")
    for channel, state, count in rows:
        out.print(f"{channel:8} {state:8} {count}")


@app.command()
def verify(
    signature: Annotated[
        str, typer.Option("--signature", help="the Fairscreen-Signature header's value")
    ],
    body: Annotated[
        Path | None,
        typer.Option(help="the delivery's raw body (default: standard input)", dir_okay=False),
    ] = None,
    secret_file: Annotated[
        Path | None,
        typer.Option(help="a file holding the endpoint's secret (else $FAIRSCREEN_WEBHOOK_SECRET)"),
    ] = None,
    tolerance: Annotated[int, typer.Option(min=0, help="the replay window, in seconds")] = 300,
) -> None:
    """Check a webhook delivery's signature, as a receiver does: exit 0 and print the signed
    time if it verifies, exit 1 with the reason if not. The secret is read from a file or the
    environment, never from the command line (which other users can see)."""
    from fairscreen.kit.webhooks import SignatureError
    from fairscreen.kit.webhooks import verify as check

    if secret_file is not None:
        secret = secret_file.read_text(encoding="utf-8").strip()
    else:
        secret = os.environ.get("FAIRSCREEN_WEBHOOK_SECRET", "").strip()
    if not secret:
        raise ConfigError("give --secret-file, or set FAIRSCREEN_WEBHOOK_SECRET")
    data = body.read_bytes() if body is not None else sys.stdin.buffer.read()
    try:
        signed = check(secret, signature, data, tolerance=tolerance)
    except SignatureError as exc:
        raise InputError("signature", str(exc)) from None
    out.print(f"verified: signed at {signed} (unix time), within the {tolerance} s window")
