"""The right to deletion on SQLite and PostgreSQL: received -> verified -> done, or refused
with the legal reason; the deadline from the pack; ledger entries without personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

import fairscreen.models as m
from fairscreen.kit.commitment import commit
from fairscreen.kit.db import transaction
from fairscreen.kit.errors import InputError
from fairscreen.ledger import log
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from fairscreen.retention.deletion import NotFoundError, WrongStateError
from fairscreen.retention.sweep import sweep
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.ledger.full import verify_log
from tests.retention.people import TODAY, Person, expire, opens, screen_people

PACK = load_pack()
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def _receive(db: Database, now: datetime = NOW) -> deletion.RequestView:
    with transaction(db.sessions) as s:
        return deletion.receive(s, now=now, pack=PACK, channel="cli")


def _verify(
    db: Database, vault: Vault, request_id: str, id_number: str, name: str
) -> deletion.Verification:
    with transaction(db.sessions) as s:
        return deletion.verify(s, vault, request_id, id_number=id_number, name=name, now=NOW)


def _process(db: Database, vault: Vault, request_id: str) -> deletion.RequestView:
    processed = deletion.process_request(db.sessions, request_id, now=NOW, pack=PACK)
    if processed.requests[0].status == deletion.DONE and processed.requests[0].certificate_id:
        expected = "clean" if db.backend == "sqlite" else "compact_pending"
        assert processed.durability == expected
    return processed.requests[0]


def _entries(db: Database, start: int) -> list[dict[str, object]]:
    with db.sessions() as s:
        size = log.read_state(s).size
        return [orjson.loads(e) for e in log.read_entries(s, start, size)]


def _no_personal_data(entries: list[dict[str, object]], person: Person) -> None:
    blob = orjson.dumps(entries).decode()
    for value in (person.name, person.id_number, person.ref, *person.texts):
        assert value not in blob


def test_a_request_goes_from_received_to_done(db: Database, vault: Vault, tmp_path: Path) -> None:
    world = screen_people(db, vault, tmp_path)
    target = world.target

    request = _receive(db)
    assert request.status == "received" and request.candidates == 0
    assert request.due_by == NOW.date() + timedelta(days=PACK.periods.deletion_request_days)
    # Traditional/Simplified, full-width digits and spacing do not matter to the check.
    full_width = target.id_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    verified = _verify(db, vault, request.id, full_width, " 欧阳静怡 ")
    assert verified.verified and verified.request.status == "verified"
    assert verified.request.candidates == 1

    done = _process(db, vault, request.id)
    assert done.status == "done" and done.outcome == "done" and done.certificate_id
    assert done.candidates == 0  # the link to the candidate went with the data
    assert opens(db, vault, target.candidate_id) == "none"
    for other in world.people.values():
        if other is not target:
            assert opens(db, vault, other.candidate_id) == "all"

    with db.sessions() as s:
        cert = s.get(m.DestructionCertificate, done.certificate_id)
        assert cert is not None and cert.reason == "deletion_request" and cert.subjects == 1
        assert cert.rule == f"cn@2026.2 deletion request {request.id}"
        assert s.get(m.DestroyedSubject, target.subject) is not None
        resolution = s.scalars(
            select(m.DeletionResolution).where(m.DeletionResolution.request_id == request.id)
        ).one()
    entries = _entries(db, world.ledger_size)
    assert [e["type"] for e in entries] == [
        "deletion.requested",
        "data.destroyed",
        "deletion.resolved",
    ]
    requested, _destroyed, resolved = entries
    first = world.ledger_size
    assert request.ledger_index == first and cert.ledger_index == first + 1
    assert resolution.ledger_index == first + 2
    assert requested["attrs"] == {
        "deletion_request": request.id,
        "channel": "cli",
        "due_by": request.due_by.isoformat(),
    }
    assert resolved["commitment"] == commit(
        resolution.commitment_salt, resolution.committed_fields()
    )
    assert resolved["attrs"] == {
        "deletion_request": request.id,
        "outcome": "done",
        "certificate": cert.id,
    }
    _no_personal_data(entries, target)
    assert verify_log(db.sessions).ok


def test_identity_is_not_verified_by_a_wrong_name_or_number(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path)
    target, other = world.target, world.people["C2"]
    request = _receive(db)
    for number, name in (
        (target.id_number, other.name),  # someone else's name
        (other.id_number, target.name),  # someone else's number
        ("990999199001010000", target.name),  # a number nobody has
    ):
        result = _verify(db, vault, request.id, number, name)
        assert not result.verified and result.request.status == "received"
    assert result.request.failed_attempts == 3
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.DeletionRequestCandidate)) == 0
        row = s.get(m.DeletionRequest, request.id)
        assert row is not None
        stored = orjson.dumps({c.name: str(getattr(row, c.name)) for c in row.__table__.columns})
    for given in (target.id_number, target.name, other.name):
        assert given.encode() not in stored
    # verified once it is right; then it cannot be verified again
    assert _verify(db, vault, request.id, target.id_number, target.name).verified
    with pytest.raises(WrongStateError, match="verified"):
        _verify(db, vault, request.id, target.id_number, target.name)


def test_too_many_failed_attempts_refuse_the_request(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    request = _receive(db)
    for _ in range(deletion.MAX_FAILED_ATTEMPTS):
        result = _verify(db, vault, request.id, world.target.id_number, "別人")
    assert result.request.status == "refused"
    assert result.request.reason is not None and "identity not verified" in result.request.reason
    entries = _entries(db, world.ledger_size)
    assert entries[-1]["type"] == "deletion.resolved"
    assert entries[-1]["attrs"] == {
        "deletion_request": request.id,
        "outcome": "refused",
        "reason": "identity_not_verified",
    }
    with pytest.raises(WrongStateError):
        _process(db, vault, request.id)
    assert opens(db, vault, world.target.candidate_id) == "all"


def test_a_legal_hold_refuses_the_request_with_its_reason(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    target = world.target
    reason = "(2026)示勞仲字第113號"  # the proceeding's reference, for staff only
    with transaction(db.sessions) as s:
        hold = deletion.place_hold(
            s, vault, target.ref, reason_code="labour_arbitration", reference=reason, now=NOW
        )
    request = _receive(db)
    assert _verify(db, vault, request.id, target.id_number, target.name).verified
    refused = _process(db, vault, request.id)
    assert refused.status == "refused" and refused.reason == "legal hold: labour_arbitration"
    assert refused.certificate_id is None
    assert opens(db, vault, target.candidate_id) == "all"
    last = _entries(db, world.ledger_size)[-1]
    assert last["attrs"] == {
        "deletion_request": request.id,
        "outcome": "refused",
        "reason": "legal_hold",
    }
    assert reason not in orjson.dumps(last).decode()  # free text stays off the ledger

    # once the hold is lifted, a new request goes through
    with transaction(db.sessions) as s:
        deletion.release_hold(s, hold.id, now=NOW)
        with pytest.raises(WrongStateError, match="lifted"):
            deletion.release_hold(s, hold.id, now=NOW)
    again = _receive(db)
    assert _verify(db, vault, again.id, target.id_number, target.name).verified
    assert _process(db, vault, again.id).status == "done"
    assert opens(db, vault, target.candidate_id) == "none"
    with transaction(db.sessions) as s, pytest.raises(NotFoundError, match="destroyed"):
        deletion.place_hold(
            s, vault, target.candidate_id, reason_code="labour_arbitration", now=NOW
        )
    assert verify_log(db.sessions).ok


def test_every_record_of_the_same_person_is_destroyed(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """Screened twice under two client references: one request covers both records."""
    first = screen_people(db, vault, tmp_path, others=0, tag="FIRST")
    second = screen_people(db, vault, tmp_path, others=0, tag="SECOND", prefix="again-")
    assert first.target.id_number == second.target.id_number  # the builder's first candidate
    people = [p for p in second.people.values() if p.id_number == first.target.id_number]
    assert len(people) == 2
    request = _receive(db)
    result = _verify(db, vault, request.id, first.target.id_number, first.target.name)
    assert result.request.candidates == 2
    done = _process(db, vault, request.id)
    with db.sessions() as s:
        cert = s.get(m.DestructionCertificate, done.certificate_id)
        assert cert is not None and cert.subjects == 2
    assert {opens(db, vault, p.candidate_id) for p in people} == {"none"}


def test_a_record_swept_before_processing_is_done_without_a_new_certificate(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=0)
    request = _receive(db)
    assert _verify(db, vault, request.id, world.target.id_number, world.target.name).verified
    expire(db, vault, world.target.ref)
    assert sweep(db.sessions, today=TODAY).destroyed == 1
    done = _process(db, vault, request.id)
    assert done.status == "done" and done.certificate_id is None
    assert done.reason == "already destroyed by the retention sweep"


def test_overdue_requests_are_listed(db: Database, vault: Vault, tmp_path: Path) -> None:
    screen_people(db, vault, tmp_path, others=0)
    old = _receive(db, NOW - timedelta(days=40))
    new = _receive(db, NOW)
    with db.sessions() as s:
        today = NOW.date()
        overdue = deletion.list_requests(s, today=today, overdue=True)
        assert [v.id for v in overdue] == [old.id]
        assert overdue[0].overdue(today) and overdue[0].as_json(today)["overdue"] is True
        assert [v.id for v in deletion.list_requests(s, today=today)] == [old.id, new.id]
        assert deletion.list_requests(s, today=today, status="done") == []
        with pytest.raises(InputError, match="status"):
            deletion.list_requests(s, today=today, status="lost")


def test_bad_input_names_the_field(db: Database, vault: Vault, tmp_path: Path) -> None:
    world = screen_people(db, vault, tmp_path, others=0)
    request = _receive(db)
    with transaction(db.sessions) as s:
        with pytest.raises(InputError, match="channel"):
            deletion.receive(s, now=NOW, pack=PACK, channel="fax")
        with pytest.raises(InputError, match="id_number"):
            deletion.verify(s, vault, request.id, id_number=" ", name="x", now=NOW)
        with pytest.raises(InputError, match="name"):
            deletion.verify(s, vault, request.id, id_number="1", name="", now=NOW)
        with pytest.raises(InputError, match="id_kind"):
            deletion.verify(
                s, vault, request.id, id_number="1", name="x", id_kind="Passport!", now=NOW
            )
        with pytest.raises(InputError, match="reason_code"):
            deletion.place_hold(s, vault, world.target.ref, reason_code="gossip", now=NOW)
        with pytest.raises(NotFoundError, match="no such request"):
            deletion.get_request(s, "nope")
        with pytest.raises(NotFoundError, match="no such candidate"):
            deletion.place_hold(s, vault, "nobody", reason_code="legal_obligation", now=NOW)
        with pytest.raises(WrongStateError, match="not verified"):
            deletion.process(s, request.id, now=NOW, pack=PACK)
