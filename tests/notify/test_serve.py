"""The worker inside ``fairscreen serve``: a message left waiting before the server started is
delivered (the worker opens the vault itself, before anything else has), then a candidate asks
the running server for a one-time code, the code arrives by e-mail at a real SMTP server, and it
signs the candidate in; the outbox then holds only the deliveries' records."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx

from fairscreen.accounts import service
from fairscreen.kit.clock import utcnow
from fairscreen.notify.models import OutboxMessage
from fairscreen.notify.outbox import enqueue
from tests.conftest import Database
from tests.notify.conftest import Emptied
from tests.notify.servers import free_port, smtp_server
from tests.notify.site import make_site


def test_a_code_asked_of_the_server_arrives_by_email(tmp_path: Path, db: Database) -> None:
    from sqlalchemy import select

    site = make_site(tmp_path, db)
    with db.sessions.begin() as session:
        service.candidate_account(session, site.vault, "he.jing@mail.example", now=utcnow())
        # left waiting by an earlier server (stopped, or killed before it could send it)
        waiting = enqueue(
            session,
            vault=site.vault,
            channel="email",
            recipient="early@mail.example",
            template="one_time_code",
            params={"code": "300418", "minutes": 10},
            now=utcnow(),
        )
    port = free_port()
    with smtp_server() as mail:
        server = site.popen(
            "serve",
            "--port",
            str(port),
            "--no-publish",
            FAIRSCREEN_EMAIL_TRANSPORT="smtp",
            FAIRSCREEN_SMTP_HOST="127.0.0.1",
            FAIRSCREEN_SMTP_PORT=str(mail.port),
            FAIRSCREEN_SMTP_SECURITY="none",
            FAIRSCREEN_SMTP_FROM="fairscreen <no-reply@fairscreen.example>",
            FAIRSCREEN_NOTIFY_INTERVAL="0.2",
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                deadline = time.monotonic() + 120
                while True:
                    assert server.poll() is None, server.stderr.read() if server.stderr else ""
                    try:
                        if client.get("/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, "serve did not start"
                    time.sleep(0.1)
                # nothing has opened the server's vault yet: the worker opens it to deliver
                while not mail.mails and time.monotonic() < deadline:
                    assert server.poll() is None
                    time.sleep(0.1)
                [early] = mail.mails
                assert early.recipients == ["early@mail.example"] and "300418" in early.text
                assert early.message["Message-ID"] == f"<{waiting}@fairscreen.example>"
                asked = client.post(
                    "/api/v1/auth/candidate/code", json={"contact": "he.jing@mail.example"}
                )
                assert asked.status_code == 202, asked.text
                while len(mail.mails) < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                [_, sent] = mail.mails
                assert sent.recipients == ["he.jing@mail.example"]
                found = re.search(r"\b([0-9]{6})\b", sent.text)
                assert found is not None, sent.text
                login = client.post(
                    "/api/v1/auth/candidate/login",
                    json={"contact": "he.jing@mail.example", "code": found.group(1)},
                )
                assert login.status_code == 200, login.text
                assert login.json()["role"] == "candidate"
        finally:
            server.send_signal(signal.SIGTERM)
            status = server.wait(60)
            for stream in (server.stdout, server.stderr):
                if stream is not None:
                    stream.close()
    assert status in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
    with db.sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 2
    for row in rows:
        assert (row.status, row.answer, row.template) == ("sent", "smtp 250", "one_time_code")
        Emptied.check(row)
