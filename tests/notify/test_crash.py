"""At least once, never lost: ``fairscreen notify deliver`` killed with SIGKILL while a webhook
delivery is on the wire; the next worker delivers the message again, with the same id, once
the dead worker's claim lapses."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from fairscreen.accounts.policy import Actor
from fairscreen.kit.clock import utcnow
from fairscreen.kit.ids import new_id
from fairscreen.kit.webhooks import verify
from fairscreen.notify import webhooks
from fairscreen.notify.models import OutboxMessage
from tests.conftest import Database
from tests.notify.conftest import Emptied, attempts, message
from tests.notify.servers import Receiver
from tests.notify.site import make_site


def _due(db: Database, message_id: str) -> datetime:
    with db.sessions() as session:
        due = session.scalar(
            select(OutboxMessage.next_attempt_at).where(OutboxMessage.id == message_id)
        )
    assert due is not None
    return due


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path: Path, db: Database) -> None:
    site = make_site(tmp_path, db)
    with Receiver() as receiver:
        endpoint, secret = site.endpoint(receiver.url, ["report.issued"])
        with db.sessions.begin() as session:
            [message_id] = webhooks.emit(
                session,
                organisation_id=site.employer,
                event="report.issued",
                data={"check_id": new_id(), "version": 1},
                now=utcnow(),
            )
        receiver.hold.set()  # the first delivery arrives and gets no answer
        worker = site.popen(
            "notify", "deliver", FAIRSCREEN_NOTIFY_INTERVAL="0.2", FAIRSCREEN_NOTIFY_LEASE="2"
        )
        try:
            assert receiver.held.wait(60), "the worker never delivered"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
            for stream in (worker.stdout, worker.stderr):
                assert stream is not None
                stream.close()
        assert worker.returncode == -signal.SIGKILL
        row = message(db, message_id)
        assert (row.status, row.attempts) == ("sending", 1)
        assert row.params is not None  # not delivered, so not emptied: nothing is lost
        assert [a["outcome"] for a in attempts(db, message_id)] == [None]
        receiver.release()

        # The claim lapses after its lease; then the next worker takes the message again.
        deadline = time.monotonic() + 60
        while utcnow() < _due(db, message_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        again = site.fairscreen("notify", "deliver", "--once")
        assert again.returncode == 0, again.stderr
        assert "1 sent" in again.stdout, again.stdout

    first, second = receiver.requests
    assert first.headers["fairscreen-id"] == second.headers["fairscreen-id"] == message_id
    assert first.body == second.body and first.json()["id"] == message_id
    for request in (first, second):
        verify(secret, request.headers["fairscreen-signature"], request.body)
    row = message(db, message_id)
    assert (row.status, row.attempts, row.answer) == ("sent", 2, "http 200")
    Emptied.check(row)
    assert [(a["number"], a["outcome"]) for a in attempts(db, message_id)] == [
        (1, None),
        (2, "sent"),
    ]
    # the delivery log tells the first attempt was interrupted
    with db.sessions() as session:
        admin = Actor("staff", "0" * 32, "employer_admin", site.employer)
        [logged], _ = webhooks.deliveries(session, admin, endpoint, limit=10, before=None)
    assert [t["outcome"] for t in logged["tries"]] == ["interrupted", "sent"]
