"""The retention sweep on SQLite and PostgreSQL: what it destroys, what it keeps, what it
certifies, and that running it again does nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest
from sqlalchemy import LargeBinary, func, select

import fairscreen.models as m
from fairscreen.kit.clock import utcnow
from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Base, transaction
from fairscreen.ledger import log
from fairscreen.ledger.verify import verify_log
from fairscreen.retention import deletion
from fairscreen.retention.destroy import (
    DATA_CLASSES,
    DELETED_TABLES,
    KEPT_TABLES,
    subjects_digest,
)
from fairscreen.retention.sweep import count_expired, sweep
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.retention.people import (
    TODAY,
    assert_references_whole,
    expire,
    forget_subjects,
    opens,
    screen_people,
)


def _count(db: Database, model: type[Base], **where: object) -> int:
    with db.sessions() as s:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int(s.scalar(stmt) or 0)


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
    others = [p for p in world.people.values() if p.ref not in ("C1", "C2")]
    expire(db, "C1", "C2")
    requests = _requests_of(db, gone.candidate_id)
    assert _count(db, m.Finding) > 0 and _count(db, m.CandidateDemographics) == 1
    assert count_expired(db.sessions, TODAY) == 2

    result = sweep(db.sessions, today=TODAY, vault=vault)

    assert result.destroyed == 2 and result.unlinked == 0 and len(result.certificates) == 1
    assert result.wal_checkpoint == ("truncated" if db.backend == "sqlite" else None)
    for person in (gone, kept):
        assert opens(db, vault, person.candidate_id) == "none"
    for person in others:
        assert opens(db, vault, person.candidate_id) == "all"

    with db.sessions() as s:
        tomb = s.get(m.Candidate, gone.candidate_id)
        assert tomb is not None
        assert tomb.external_ref == f"erased:{tomb.id}"
        assert tomb.subject_ref is None and tomb.data_key_id is None
        assert tomb.erased_at is not None
        # what the screening found and concluded is gone ...
        for model in (m.Finding, m.Report):
            assert not s.scalars(select(model).where(model.request_id.in_(requests))).all()
        assert s.get(m.CandidateDemographics, gone.candidate_id) is None
        # ... the process skeleton stays, pointing at the tombstone, its commitments intact
        assert {
            r.id for r in s.scalars(select(m.CheckRequest).where(m.CheckRequest.id.in_(requests)))
        } == set(requests)
        assert s.scalars(select(m.SourceQuery).where(m.SourceQuery.request_id.in_(requests))).all()
        consent = s.scalars(
            select(m.Consent).where(m.Consent.candidate_id == gone.candidate_id)
        ).one()
        assert consent.external_ref == f"erased:{consent.id}"
        # the other candidates are untouched
        assert s.scalar(select(func.count()).select_from(m.DataKey)) == len(others)

        cert = s.get(m.DestructionCertificate, result.certificates[0].id)
        assert cert is not None
        assert cert.reason == "retention_expired" and cert.subjects == 2
        assert cert.rule == "cn@2026.1 retention ended: retain_until < 2026-11-29"
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

        # one ledger entry, committing to the certificate; the entries before it unchanged
        head = log.read_state(s)
        assert head.size == world.ledger_size + 1
        entry = orjson.loads(log.read_entry(s, world.ledger_size))
        assert entry["type"] == "data.destroyed"
        assert entry["record"] == f"destruction_certificates/{cert.id}"
        assert entry["commitment"] == commit(cert.commitment_salt, cert.committed_fields())
        assert entry["attrs"]["subjects"] == 2 and "subject" not in entry
        assert result.certificates[0].ledger_index == world.ledger_size

    report = verify_log(db.sessions)
    assert report.ok, report.problems[:3]
    assert report.records_destroyed > 0
    assert_references_whole(db)


def test_a_second_sweep_destroys_and_certifies_nothing(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    screen_people(db, vault, tmp_path)
    expire(db, "C1")
    assert sweep(db.sessions, today=TODAY, vault=vault).destroyed == 1
    with db.sessions() as s:
        size = log.read_state(s).size
    again = sweep(db.sessions, today=TODAY, vault=vault)
    assert again.destroyed == 0 and again.certificates == [] and again.wal_checkpoint is None
    with db.sessions() as s:
        assert log.read_state(s).size == size
    assert _count(db, m.DestructionCertificate) == 1


def test_batches_each_get_a_certificate(db: Database, vault: Vault, tmp_path: Path) -> None:
    world = screen_people(db, vault, tmp_path, others=4)
    expire(db, *world.people)
    result = sweep(db.sessions, today=TODAY, batch_size=2, vault=vault)
    assert result.destroyed == 5
    assert [c.subjects for c in result.certificates] == [2, 2, 1]
    assert _count(db, m.DestroyedSubject) == 5
    assert _count(db, m.DataKey) == 0
    assert verify_log(db.sessions).ok
    assert_references_whole(db)


def test_retention_ends_after_retain_until(db: Database, vault: Vault, tmp_path: Path) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    expire(db, "C1", on=TODAY)  # the last day it may be kept is today: not yet
    assert sweep(db.sessions, today=TODAY, vault=vault).destroyed == 0
    assert opens(db, vault, world.target.candidate_id) == "all"


def test_a_legal_hold_keeps_a_candidate_until_it_is_lifted(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    expire(db, "C1", "C2")
    with transaction(db.sessions) as s:
        hold = deletion.place_hold(
            s, "C1", reason="勞動爭議仲裁 pending (PIPL art. 47 para. 2)", now=utcnow()
        )
    assert sweep(db.sessions, today=TODAY, vault=vault).destroyed == 1
    assert opens(db, vault, world.target.candidate_id) == "all"
    with transaction(db.sessions) as s:
        deletion.release_hold(s, hold.id, now=utcnow())
    assert sweep(db.sessions, today=TODAY, vault=vault).destroyed == 1
    assert opens(db, vault, world.target.candidate_id) == "none"
    assert _count(db, m.LegalHold) == 0  # the lifted hold went with the data


def test_without_a_stored_pseudonym_the_sweep_computes_it_from_the_data_key(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=1)
    forget_subjects(db)
    expire(db, "C1")
    result = sweep(db.sessions, today=TODAY, vault=lambda: vault)
    assert result.unlinked == 0
    with db.sessions() as s:
        assert s.get(m.DestroyedSubject, world.target.subject) is not None
    assert verify_log(db.sessions).ok


def test_a_pseudonym_that_cannot_be_computed_is_reported(
    db: Database, vault: Vault, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    screen_people(db, vault, tmp_path, others=1)
    forget_subjects(db)
    expire(db, "C1")
    with caplog.at_level(logging.WARNING, logger="fairscreen.retention"):
        result = sweep(db.sessions, today=TODAY, vault=None)
    assert result.destroyed == 1 and result.unlinked == 1
    assert "without a known ledger pseudonym" in caplog.text
    # which is why the pseudonym is stored at screening time: the ledger cannot excuse the
    # missing records of a subject it was not told about.
    report = verify_log(db.sessions)
    assert not report.ok
    assert all("missing" in p.message for p in report.problems)


def test_the_sweep_refuses_a_bad_batch_size(db: Database) -> None:
    with pytest.raises(ValueError, match="batch"):
        sweep(db.sessions, today=TODAY, batch_size=0)


def test_every_table_that_hangs_off_a_candidate_has_a_retention_decision() -> None:
    """A table that refers to a candidate, or to a row that does, must be listed as deleted or
    kept by destruction (fairscreen.retention.destroy); kept tables hold no sealed values."""
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
    decided = set(DELETED_TABLES) | set(KEPT_TABLES) | {"candidates"}
    retention_own = {"deletion_requests", "deletion_resolutions", "destroyed_subjects"}
    assert related - decided - retention_own == set()
    for name in KEPT_TABLES:
        for column in tables[name].columns:
            assert not (isinstance(column.type, LargeBinary) and column.name.endswith("_ct")), (
                f"{name}.{column.name} is sealed personal data in a kept table"
            )
