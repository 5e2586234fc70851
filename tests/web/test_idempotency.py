"""Idempotency keys on POSTs (``fairscreen.web.idempotency``), through the real app on SQLite
and PostgreSQL: a retry with the same key gets the first answer and does nothing again, the
same key with another request is refused, and what is kept cannot be read without the key."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from fairscreen.kit.clock import utcnow
from fairscreen.vault import Vault
from fairscreen.web.idempotency import LEASE
from fairscreen.web.models import IdempotencyRecord
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database

POSITIONS = "/api/v1/positions"


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def _position(title: str) -> dict[str, Any]:
    return {"title": title, "category": "general_office"}


def _titles(api: Api) -> list[str]:
    return sorted(p["title"] for p in api.get(POSITIONS).json())


def test_a_retry_gets_the_first_answer_and_nothing_is_done_twice(world: World) -> None:
    admin = world.client("employer_admin")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = admin.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = admin.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/json"
    assert _titles(admin) == ["Clerk"]
    # without a key, each POST is carried out
    for _ in range(2):
        assert admin.post(POSITIONS, json=_position("Typist")).status_code == 201
    assert _titles(admin) == ["Clerk", "Typist", "Typist"]


def test_the_same_key_with_another_request_is_refused(world: World) -> None:
    admin = world.client("employer_admin")
    key = {"Idempotency-Key": '"' + str(uuid.uuid4()) + '"'}  # the draft's sf-string form
    assert admin.post(POSITIONS, json=_position("Clerk"), headers=key).status_code == 201
    other = admin.post(POSITIONS, json=_position("Porter"), headers=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["title"] == "idempotency key reused"
    assert _titles(admin) == ["Clerk"]


def test_keys_are_per_account_and_a_refusal_is_kept_too(world: World) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    ours, theirs = world.client("employer_admin"), world.client("employer_admin", tenant=1)
    assert ours.post(POSITIONS, json=_position("Clerk"), headers=key).status_code == 201
    assert theirs.post(POSITIONS, json=_position("Clerk"), headers=key).status_code == 201
    assert _titles(theirs) == ["Clerk"]
    # a recruiter may not declare positions: the 403 is the kept answer to the same retry
    recruiter = world.client("recruiter")
    refused = recruiter.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert refused.status_code == 403
    again = recruiter.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert again.status_code == 403 and again.headers["idempotent-replayed"] == "true"


def test_a_malformed_key_is_refused_naming_the_header(world: World) -> None:
    admin = world.client("employer_admin")
    for bad in ("short", "x" * 256, "with space in it ok?"):
        response = admin.post(POSITIONS, json=_position("Clerk"), headers={"Idempotency-Key": bad})
        assert response.status_code == 422, bad
        assert response.json()["detail"].startswith("Idempotency-Key:")
    assert _titles(admin) == []


def test_what_is_kept_cannot_be_read_or_linked_without_the_key(world: World) -> None:
    admin = world.client("employer_admin")
    key = str(uuid.uuid4())
    made = admin.post(POSITIONS, json=_position("Night porter"), headers={"Idempotency-Key": key})
    assert made.status_code == 201
    with world.db.sessions() as session:
        rows = session.scalars(select(IdempotencyRecord)).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.state == "done" and row.status == 201 and row.response_ct is not None
    stored = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
        for v in (row.id, row.fingerprint, row.salt, row.response_ct, row.state)
    )
    for secret in (b"Night porter", made.json()["id"].encode(), key.encode()):
        assert secret not in stored


def _only_row(world: World) -> bytes:
    with world.db.sessions() as session:
        return session.scalars(select(IdempotencyRecord.id)).one()


def test_after_a_crash_a_request_is_never_carried_out_twice(world: World) -> None:
    """A server killed after the route committed leaves the row ``applied`` (marked in the
    route's own transaction): the retry is refused. One killed before it committed anything
    leaves it ``in_flight``: after the lease, the retry carries it out."""
    admin = world.client("employer_admin")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert admin.post(POSITIONS, json=_position("Clerk"), headers=key).status_code == 201
    row = _only_row(world)
    with world.db.sessions.begin() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == row)
            .values(state="applied", status=None, response_ct=None)
        )
    lost = admin.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert lost.status_code == 409 and "carried out" in lost.json()["detail"]
    assert _titles(admin) == ["Clerk"]

    with world.db.sessions.begin() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == row)
            .values(state="in_flight", started_at=utcnow())
        )
    busy = admin.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert busy.status_code == 409 and busy.headers["retry-after"] == "1"
    with world.db.sessions.begin() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == row)
            .values(started_at=utcnow() - LEASE - timedelta(seconds=1))
        )
    taken = admin.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert taken.status_code == 201 and "idempotent-replayed" not in taken.headers
    assert _titles(admin) == ["Clerk", "Clerk"]


def test_the_route_marks_its_key_applied_in_its_own_transaction(world: World) -> None:
    """The before-commit hook: a row claimed for a request is ``applied`` when the route's
    transaction commits, before the answer is stored."""
    from fairscreen.web import idempotency

    admin = world.client("employer_admin")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    seen: list[str] = []
    finish = idempotency.Idempotency._finish

    def spying(self: Any, row: bytes, *args: Any) -> None:
        with world.db.sessions() as session:
            seen.append(session.get(IdempotencyRecord, row).state)  # type: ignore[union-attr]
        finish(self, row, *args)

    idempotency.Idempotency._finish = spying  # type: ignore[method-assign,assignment]
    try:
        assert admin.post(POSITIONS, json=_position("Clerk"), headers=key).status_code == 201
        # a refusal commits nothing: the row is still in flight when the answer is stored
        assert (
            admin.post(
                POSITIONS,
                json={"title": "x", "category": "driver", "reference": "#"},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ).status_code
            == 422
        )
    finally:
        idempotency.Idempotency._finish = finish  # type: ignore[method-assign]
    assert seen == ["applied", "in_flight"]


def test_an_expired_key_is_forgotten(world: World) -> None:
    admin = world.client("employer_admin")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert admin.post(POSITIONS, json=_position("Clerk"), headers=key).status_code == 201
    with world.db.sessions.begin() as session:
        session.execute(
            update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    again = admin.post(POSITIONS, json=_position("Clerk"), headers=key)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert _titles(admin) == ["Clerk", "Clerk"]
