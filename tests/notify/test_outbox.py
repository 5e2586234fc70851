"""Putting messages in the outbox: sealed under the platform's notification key while they
wait, rendered (and so checked) in the caller's transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError
from fairscreen.notify.models import NotifyKey, OutboxMessage
from fairscreen.notify.outbox import enqueue, waiting
from fairscreen.vault import Vault
from fairscreen.vault.keys import KeyProviderError, LocalKeyFile
from fairscreen.vault.models import DataKey
from tests.conftest import Database

CODE = {"code": "730251", "minutes": 10}


def test_a_waiting_message_holds_no_address_or_code_in_the_clear(
    db: Database, vault: Vault
) -> None:
    with db.sessions.begin() as session:
        first = enqueue(
            session,
            vault=vault,
            channel="email",
            recipient="wu.li@mail.example",
            template="one_time_code",
            params=CODE,
            now=utcnow(),
            language="en",
        )
        enqueue(
            session,
            vault=vault,
            channel="sms",
            recipient="+8613912345678",
            template="one_time_code",
            params={"code": "118204", "minutes": 10},
            now=utcnow(),
        )
    with db.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        keys = session.scalar(select(func.count()).select_from(NotifyKey))
        data_keys = session.scalar(select(func.count()).select_from(DataKey))
        opened = waiting(session, vault)
    assert [(r.channel, r.status, r.params, r.language) for r in rows] == [
        ("email", "pending", None, "en"),
        ("sms", "pending", None, "zh-Hant"),
    ]
    for row in rows:
        assert row.sealed is not None
        for secret in (b"wu.li", b"mail.example", b"730251", b"13912345678", b"118204"):
            assert secret not in row.sealed
    # one platform key seals them all: made once, a data key wrapped by the KEK
    assert keys == 1 and data_keys == 1 and len({r.data_key_id for r in rows}) == 1
    assert (opened[0].id, opened[0].payload.recipient, opened[0].payload.params) == (
        first,
        "wu.li@mail.example",
        CODE,
    )
    assert opened[1].payload.recipient == "+8613912345678"


def test_a_copy_of_the_database_without_the_key_file_opens_nothing(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    with db.sessions.begin() as session:
        enqueue(
            session,
            vault=vault,
            channel="email",
            recipient="wu.li@mail.example",
            template="one_time_code",
            params=CODE,
            now=utcnow(),
        )
    other = Vault(LocalKeyFile(tmp_path / "elsewhere" / "kek.json"))
    with db.sessions() as session, pytest.raises(KeyProviderError):
        waiting(session, other)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template": "no_such_template"}, "template"),
        ({"params": {"code": "1"}}, "params"),
        ({"recipient": "not an address"}, "recipient"),
        ({"channel": "sms"}, "recipient"),
        ({"language": "fr"}, "language"),
        ({"params": {"code": object(), "minutes": 1}}, "params"),
    ],
)
def test_a_message_that_could_never_be_sent_fails_the_callers_transaction(
    db: Database, vault: Vault, change: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "channel": "email",
        "recipient": "wu.li@mail.example",
        "template": "one_time_code",
        "params": CODE,
        "language": "en",
    }
    arguments.update(change)
    with pytest.raises(InputError) as caught, db.sessions.begin() as session:
        enqueue(session, vault=vault, now=utcnow(), **arguments)  # type: ignore[arg-type]
    assert caught.value.where == field
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_kek_rotation_rewraps_the_platform_key_with_every_other(
    db: Database, vault: Vault, key_file: Path
) -> None:
    """What waits stays deliverable through ``keys rotate`` and the old KEK's destruction."""
    from fairscreen.vault import rotation

    with db.sessions.begin() as session:
        enqueue(
            session,
            vault=vault,
            channel="email",
            recipient="wu.li@mail.example",
            template="one_time_code",
            params=CODE,
            now=utcnow(),
        )
        old = session.scalars(select(DataKey.kek_version)).one()
    result = rotation.rotate(db.sessions, vault.provider)
    rotation.retire(db.sessions, old, [vault.provider])
    assert result.version != old
    with db.sessions() as session:
        assert session.scalars(select(DataKey.kek_version)).one() == result.version
    fresh = Vault(LocalKeyFile(key_file))  # a new process: nothing unwrapped in memory
    with db.sessions() as session:
        [opened] = waiting(session, fresh)
    assert opened.payload.recipient == "wu.li@mail.example"
