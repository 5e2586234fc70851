"""The retention sweep on SQLite and PostgreSQL: what it destroys, what it keeps, what it
certifies, and that running it again does nothing."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

import fairscreen.models as m
from fairscreen.kit.clock import utcnow
from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Base, transaction
from fairscreen.ledger import log
from fairscreen.retention import deletion
from fairscreen.retention.destroy import (
    DATA_CLASSES,
    DELETED_TABLES,
    subjects_digest,
)
from fairscreen.retention.sweep import count_expired, sweep
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.ledger.full import verify_log
from tests.retention.people import (
    TODAY,
    assert_references_whole,
    expire,
    opens,
    screen_people,
)


def _count(db: Database, model: type[Base], **where: object) -> int:
    with db.sessions() as s:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int(s.scalar(stmt) or 0)


def _tallies(db: Database) -> dict[tuple[str, ...], int]:
    with db.sessions() as s:
        return {
            (t.employer_id, t.month, t.light, t.rule): t.count
            for t in s.scalars(select(m.ReportTally))
        }


def _requests_of(db: Database, candidate_id: str) -> list[str]:
    with db.sessions() as s:
        return list(
            s.scalars(select(m.CheckRequest.id).where(m.CheckRequest.candidate_id == candidate_id))
        )


def test_the_sweep_destroys_expired_candidates_and_certifies_it(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path)
    gone, kept = world.people["C1"], world.people["C2"]
    others = [p for key, p in world.people.items() if key not in ("C1", "C2")]
    expire(db, vault, *world.refs("C1", "C2"))
    requests = _requests_of(db, gone.candidate_id)
    assert requests and _count(db, m.CandidateDemographics) == 1
    assert count_expired(db.sessions, TODAY) == 2
    tallies_before = _tallies(db)

    result = sweep(db.sessions, today=TODAY)

    assert result.destroyed == 2 and len(result.certificates) == 1
    assert result.wal_checkpoint == ("truncated" if db.backend == "sqlite" else None)
    for person in (gone, kept):
        assert opens(db, vault, person.candidate_id) == "none"
    for person in others:
        assert opens(db, vault, person.candidate_id) == "all"

    with db.sessions() as s:
        # every row of theirs is gone: nothing in the database refers to them any more
        assert s.get(m.Candidate, gone.candidate_id) is None
        for model in (m.Report, m.SourceQuery):
            assert not s.scalars(select(model).where(model.request_id.in_(requests))).all()
        assert not s.scalars(select(m.CheckRequest).where(m.CheckRequest.id.in_(requests))).all()
        assert not s.scalars(
            select(m.Consent).where(m.Consent.candidate_id == gone.candidate_id)
        ).all()
        assert s.get(m.CandidateDemographics, gone.candidate_id) is None
        # the other candidates are untouched
        assert s.scalar(select(func.count()).select_from(m.DataKey)) == len(others)
        assert s.scalar(select(func.count()).select_from(m.Candidate)) == len(others)

        cert = s.get(m.DestructionCertificate, result.certificates[0].id)
        assert cert is not None
        assert cert.reason == "retention_expired" and cert.subjects == 2
        assert cert.rule == "cn@2026.2 retention ended: retain_until < 2026-11-29"
        assert cert.data_classes == list(DATA_CLASSES)
        assert cert.subjects_digest == subjects_digest([gone.subject, kept.subject])
        listed = set(
            s.scalars(
                select(m.DestroyedSubject.subject).where(
                    m.DestroyedSubject.certificate_id == cert.id
                )
            )
        )
        assert listed == {gone.subject, kept.subject}

        # one ledger entry, committing to the certificate (which names its index); the entries
        # before it unchanged
        head = log.read_state(s)
        assert head.size == world.ledger_size + 1
        entry = orjson.loads(log.read_entry(s, world.ledger_size))
        assert entry["type"] == "data.destroyed"
        assert cert.ledger_index == world.ledger_size
        assert entry["commitment"] == commit(cert.commitment_salt, cert.committed_fields())
        assert entry["attrs"]["subjects"] == 2 and "subject" not in entry
        assert result.certificates[0].ledger_index == world.ledger_size
    # the regulator's statistics are anonymous counts, and erasure leaves them as they were
    assert _tallies(db) == tallies_before and sum(tallies_before.values()) > 0

    report = verify_log(db.sessions)
    assert report.ok, report.problems[:3]
    assert report.records_destroyed > 0
    assert_references_whole(db)


def test_a_second_sweep_destroys_and_certifies_nothing(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path)
    expire(db, vault, *world.refs("C1"))
    assert sweep(db.sessions, today=TODAY).destroyed == 1
    with db.sessions() as s:
        size = log.read_state(s).size
    again = sweep(db.sessions, today=TODAY)
    assert again.destroyed == 0 and again.certificates == [] and again.wal_checkpoint is None
    with db.sessions() as s:
        assert log.read_state(s).size == size
    assert _count(db, m.DestructionCertificate) == 1


def test_batches_each_get_a_certificate(db: Database, vault: Vault, tmp_path: Path) -> None:
    world = screen_people(db, vault, tmp_path, others=4)
    expire(db, vault, *world.refs())
    result = sweep(db.sessions, today=TODAY, batch_size=2)
    assert result.destroyed == 5
    assert [c.subjects for c in result.certificates] == [2, 2, 1]
    assert _count(db, m.DestroyedSubject) == 5
    assert _count(db, m.DataKey) == 0
    assert verify_log(db.sessions).ok
    assert_references_whole(db)


def test_retention_ends_after_retain_until(db: Database, vault: Vault, tmp_path: Path) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    expire(db, vault, *world.refs("C1"), on=TODAY)  # the last day it may be kept is today: not yet
    assert sweep(db.sessions, today=TODAY).destroyed == 0
    assert opens(db, vault, world.target.candidate_id) == "all"


def test_a_legal_hold_keeps_a_candidate_until_it_is_lifted(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    expire(db, vault, *world.refs("C1", "C2"))
    with transaction(db.sessions) as s:
        hold = deletion.place_hold(
            s,
            vault,
            world.target.ref,
            reason_code="labour_arbitration",
            now=utcnow(),
        )
    assert sweep(db.sessions, today=TODAY).destroyed == 1
    assert opens(db, vault, world.target.candidate_id) == "all"
    with transaction(db.sessions) as s:
        deletion.release_hold(s, hold.id, now=utcnow())
    assert sweep(db.sessions, today=TODAY).destroyed == 1
    assert opens(db, vault, world.target.candidate_id) == "none"
    assert _count(db, m.LegalHold) == 0  # the lifted hold went with the data


def test_the_sweep_refuses_a_bad_batch_size(db: Database) -> None:
    with pytest.raises(ValueError, match="batch"):
        sweep(db.sessions, today=TODAY, batch_size=0)


def test_every_table_that_hangs_off_a_candidate_is_deleted_with_them() -> None:
    """A table that refers to a candidate, or to a row that does, must be in
    ``fairscreen.retention.destroy.DELETED_TABLES``, after every table that refers to it (the
    order destruction deletes in), so nothing of an erased person survives in the database."""
    tables = Base.metadata.tables
    related = {"candidates"}
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if name in related:
                continue
            targets = {fk.column.table.name for fk in table.foreign_keys}
            if targets & related:
                related.add(name)
                changed = True
    related |= {"data_keys"}  # the candidate refers to it
    retention_own = {"deletion_requests", "deletion_resolutions", "destroyed_subjects"}
    assert related - set(DELETED_TABLES) - retention_own == set()
    order = {name: i for i, name in enumerate(DELETED_TABLES)}
    for name in DELETED_TABLES:
        for fk in tables[name].foreign_keys:
            parent = fk.column.table.name
            if parent in order:
                assert order[parent] > order[name], f"{name} must go before {parent}"
