"""``fairscreen notify`` in real processes: deliver --once with the file transport, status,
and the receivers' signature check."""

from __future__ import annotations

import json
from pathlib import Path

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ExitCode
from fairscreen.kit.webhooks import sign
from fairscreen.notify.outbox import enqueue
from tests.conftest import Database
from tests.notify.conftest import Emptied, message
from tests.notify.site import make_site


def test_deliver_once_then_status(tmp_path: Path, sqlite_db: Database) -> None:
    site = make_site(tmp_path, sqlite_db)
    with sqlite_db.sessions.begin() as session:
        message_id = enqueue(
            session,
            vault=site.vault,
            channel="email",
            recipient="zhou.min@mail.example",
            template="one_time_code",
            params={"code": "551290", "minutes": 10},
            now=utcnow(),
            language="zh-Hans",
        )
    outbox = tmp_path / "dev" / "outbox.jsonl"
    env = {"FAIRSCREEN_EMAIL_TRANSPORT": "file", "FAIRSCREEN_NOTIFY_FILE": str(outbox)}
    before = site.fairscreen("notify", "status", **env)
    assert before.returncode == 0 and "email    pending  1" in before.stdout
    run = site.fairscreen("notify", "deliver", "--once", **env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "notify: 1 sent, 0 to retry, 0 failed"
    [line] = [json.loads(x) for x in outbox.read_text(encoding="utf-8").splitlines()]
    assert line["id"] == message_id and line["to"] == "zhou.min@mail.example"
    assert "验证码：551290" in line["subject"] and line["language"] == "zh-Hans"
    Emptied.check(message(sqlite_db, message_id))
    after = site.fairscreen("notify", "status", **env)
    assert "email    sent     1" in after.stdout and "551290" not in after.stdout
    nothing = site.fairscreen("notify", "deliver", "--once", **env)
    assert nothing.stdout.strip() == "notify: 0 sent, 0 to retry, 0 failed"


def test_a_bad_transport_setting_is_one_line_naming_it(tmp_path: Path, sqlite_db: Database) -> None:
    site = make_site(tmp_path, sqlite_db)
    for env, named in (
        ({"FAIRSCREEN_SMS_TRANSPORT": "http"}, "FAIRSCREEN_SMS_URL"),
        ({"FAIRSCREEN_EMAIL_TRANSPORT": "pigeon"}, "FAIRSCREEN_EMAIL_TRANSPORT"),
        ({"FAIRSCREEN_SMTP_PASSWORD": "hunter2", "FAIRSCREEN_SMTP_PORT": "0"}, "SMTP_PORT"),
    ):
        run = site.fairscreen("notify", "deliver", "--once", **env)
        assert run.returncode == ExitCode.CONFIG, run.stderr
        assert named in run.stderr and len(run.stderr.strip().splitlines()) == 1
        assert "Traceback" not in run.stderr and "hunter2" not in run.stderr


def test_verify_checks_a_delivery_as_a_receiver_does(tmp_path: Path, sqlite_db: Database) -> None:
    site = make_site(tmp_path, sqlite_db)
    secret = "whsec_receiver-side-secret"
    (tmp_path / "secret").write_text(secret + "\n", encoding="utf-8")
    body = b'{"data":{},"id":"0193","type":"webhook.test"}'
    (tmp_path / "body.json").write_bytes(body)
    header = sign(secret, body)
    good = site.fairscreen(
        "notify",
        "verify",
        "--signature",
        header,
        "--body",
        str(tmp_path / "body.json"),
        "--secret-file",
        str(tmp_path / "secret"),
    )
    assert good.returncode == 0 and good.stdout.startswith("verified: signed at"), good.stderr
    from_env = site.fairscreen(
        "notify",
        "verify",
        "--signature",
        header,
        "--body",
        str(tmp_path / "body.json"),
        FAIRSCREEN_WEBHOOK_SECRET=secret,
    )
    assert from_env.returncode == 0
    (tmp_path / "body.json").write_bytes(body.replace(b"0193", b"0194"))
    tampered = site.fairscreen(
        "notify",
        "verify",
        "--signature",
        header,
        "--body",
        str(tmp_path / "body.json"),
        FAIRSCREEN_WEBHOOK_SECRET=secret,
    )
    assert tampered.returncode == ExitCode.INVALID
    assert tampered.stderr.strip() == (
        "error signature: no signature matches this body under this secret"
    )
    old = sign(secret, body, timestamp=1_600_000_000)
    stale = site.fairscreen(
        "notify",
        "verify",
        "--signature",
        old,
        "--body",
        str(tmp_path / "body.json"),
        FAIRSCREEN_WEBHOOK_SECRET=secret,
    )
    assert stale.returncode == ExitCode.INVALID and "replay window" in stale.stderr
    unkeyed = site.fairscreen("notify", "verify", "--signature", header)
    assert unkeyed.returncode == ExitCode.CONFIG and "FAIRSCREEN_WEBHOOK_SECRET" in unkeyed.stderr
