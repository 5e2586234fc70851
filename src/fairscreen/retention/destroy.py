"""Destroying candidates: every row of theirs deleted, their data keys with them, a certificate
on the ledger.

``destroy_batch`` works inside the caller's transaction on the candidates in the batch table
(the sweep fills it by ``retain_until``, a deletion request with the requester's records). For
all of them at once, one statement per table:

1. each candidate's ledger pseudonym is taken from ``candidates.subject_ref`` (stored at
   screening time);
2. every row that belongs to them is deleted, children first (``DELETED_TABLES``): the sealed
   reports, the source queries, the check requests, the consents and their revocations, the
   sealed demographics, lifted legal holds, the links from deletion requests, the candidate row
   itself (with its sealed identity and its blind indexes) and, last, the wrapped data keys:
   nothing can open a ciphertext of theirs again, wherever a copy of it survives (a WAL, a
   backup);
3. a destruction certificate (class of data, time, rule, number of subjects, a digest of the
   subject list) is written, the pseudonyms are listed in ``destroyed_subjects`` and a
   ``data.destroyed`` entry committing to the certificate is appended to the ledger.

Nothing in the database refers to a destroyed candidate afterwards. What remains is the ledger's
entries (a pseudonym nobody can compute any more, event types, times, the items consented to and
queried, commitments whose salts are gone), the certificate, the pseudonym in
``destroyed_subjects`` and the anonymous report tallies; docs/retention.md says why none of it
links back to the person. Either all of this happens or, if the transaction does not commit,
none of it.

On SQLite the connection turns on ``PRAGMA secure_delete`` first, so freed cells and pages are
overwritten with zeros rather than left in the file (docs/retention.md says what that does and
does not reach). The session must be an erasure's (``retention.erasure.erasing``), which makes
the destruction durable before anyone reports it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from fairscreen.accounts.models import AccessLog
from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.consent.models import Consent, ConsentRevocation, Invitation
from fairscreen.feedback.models import (
    Decision,
    Dispute,
    DisputeDocument,
    DisputeResolution,
    Notice,
)
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.rating.models import Report
from fairscreen.retention.erasure import record_destruction
from fairscreen.retention.models import (
    DeletionRequestCandidate,
    DestroyedSubject,
    DestructionCertificate,
    LegalHold,
)
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.sources.models import SourceQuery
from fairscreen.vault.models import DataKey

log = logging.getLogger(__name__)

RETENTION_EXPIRED = "retention_expired"
DELETION_REQUEST = "deletion_request"

# What a certificate says was destroyed, for every candidate it lists.
DATA_CLASSES: tuple[str, ...] = (
    "candidate.data_key",
    "candidate.external_ref",
    "candidate.name",
    "candidate.id_document",
    "candidate.id_number_blind_index",
    "candidate.birth_date",
    "candidate.claims",
    "candidate.demographics",
    "candidate.ledger_pseudonym_link",
    "consent.records",
    "consent.invitations",
    "screening.check_requests",
    "screening.source_queries",
    "screening.reports",
    "feedback.notices",
    "feedback.disputes",
    "feedback.dispute_documents",
    "feedback.decisions",
    "retention.lifted_legal_holds",
    "retention.deletion_request_links",
    "accounts.access_log",
)

# Every table that refers (by foreign key) to a candidate or to a row that refers to one, in
# the order destruction deletes from them (children first). tests/retention fail on a table
# that hangs off a candidate and is not listed, so a new one gets deleted with the person
# before it can keep anything of theirs past erasure.
DELETED_TABLES: tuple[str, ...] = (
    "access_log",
    "dispute_documents",
    "dispute_resolutions",
    "decisions",
    "notices",
    "disputes",
    "invitations",
    "reports",
    "source_queries",
    "check_queries",
    "consent_revocations",
    "check_requests",
    "consents",
    "candidate_demographics",
    "legal_holds",
    "deletion_request_candidates",
    "candidates",
    "data_keys",
)

# Not listed, on purpose: ``idempotency_keys`` (fairscreen.web.idempotency). A row there names
# no account and holds no request body and no readable answer: it is found by a hash of the
# account and the client's key, and the answer is sealed under a key derived from the client's
# key, which the server never stores. Nothing in it links to a candidate without that key, and
# every row expires after 24 hours.

_CANDIDATES = table_of(Candidate)
_DATA_KEYS = table_of(DataKey)
_REQUESTS = table_of(CheckRequest)
_CONSENTS = table_of(Consent)
_HOLDS = table_of(LegalHold)
_DESTROYED = table_of(DestroyedSubject)

# The batch being destroyed, per connection (SQLite: the temp schema; PostgreSQL: a temporary
# table emptied at every commit). It holds ids and pseudonyms, no personal data.
_batch_meta = MetaData()
BATCH = Table(
    "retention_batch",
    _batch_meta,
    Column("candidate_id", String(32), primary_key=True),
    Column("data_key_id", String(32)),
    Column("subject", String(32)),
)
_BATCH_DDL = {
    "sqlite": (
        "CREATE TEMP TABLE IF NOT EXISTS retention_batch "
        "(candidate_id TEXT PRIMARY KEY, data_key_id TEXT, subject TEXT)"
    ),
    "postgresql": (
        "CREATE TEMP TABLE IF NOT EXISTS retention_batch "
        "(candidate_id varchar(32) PRIMARY KEY, data_key_id varchar(32), subject varchar(32)) "
        "ON COMMIT DELETE ROWS"
    ),
}


class RetentionError(FairscreenError):
    """A retention or deletion operation that cannot be done as asked."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """A destruction, as certified: the certificate row's id and what it says."""

    id: str
    reason: str
    rule: str
    destroyed_at: datetime
    subjects: int
    ledger_index: int


def subjects_digest(subjects: Sequence[str]) -> str:
    """SHA-256 of the sorted pseudonyms, one per line: what a certificate commits to."""
    return hashlib.sha256("".join(s + "\n" for s in sorted(subjects)).encode()).hexdigest()


def prepare_connection(session: Session) -> None:
    """Per transaction: the batch table exists and is empty; SQLite zeroes what it frees."""
    dialect = session.get_bind().dialect.name
    ddl = _BATCH_DDL.get(dialect)
    if ddl is None:
        raise RetentionError(f"retention does not support the {dialect} database")
    if dialect == "sqlite":
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    session.connection().exec_driver_sql(ddl)
    session.execute(delete(BATCH))


def destroyed_subjects(session: Session, subjects: Collection[str]) -> set[str]:
    """Which of ``subjects`` (ledger pseudonyms) had their data destroyed: what the ledger's
    verifier is handed to accept their missing records."""
    out: set[str] = set()
    items = list(subjects)
    for start in range(0, len(items), 500):
        out.update(
            session.scalars(
                select(DestroyedSubject.subject).where(
                    DestroyedSubject.subject.in_(items[start : start + 500])
                )
            )
        )
    return out


def drop_pending_invitations(session: Session, account_id: str) -> int:
    """Delete a candidate account's invitations that never got as far as a candidate record
    (accepted, no identity given yet), with the data keys their sealed contact and reference
    are under. They have no ledger entry (an invitation is not on the log), so nothing is
    certified; the candidate records of the account are destroyed by ``destroy_batch``."""
    pending = select(Invitation.id, Invitation.data_key_id).where(
        Invitation.account_id == account_id, Invitation.candidate_id.is_(None)
    )
    rows = session.execute(pending).all()
    if not rows:
        return 0
    session.execute(delete(table_of(Invitation)).where(Invitation.id.in_([r.id for r in rows])))
    session.execute(delete(_DATA_KEYS).where(_DATA_KEYS.c.id.in_([r.data_key_id for r in rows])))
    return len(rows)


def destroy_batch(
    session: Session,
    *,
    reason: str,
    rule: str,
    now: datetime,
    policy: str | None = None,
) -> Certificate | None:
    """Destroy every candidate in the batch table (filled by the caller after
    ``prepare_connection``) and certify it; None if the batch is empty."""
    count = int(session.scalar(select(func.count()).select_from(BATCH)) or 0)
    if count == 0:
        return None
    record_destruction(session, count)  # refuses a session outside ``erasing()``
    if len(rule) > 80:
        raise RetentionError(f"rule: at most 80 characters, got {len(rule)}")
    held = session.scalar(
        select(func.count())
        .select_from(_HOLDS)
        .where(
            _HOLDS.c.candidate_id.in_(select(BATCH.c.candidate_id)), _HOLDS.c.lifted_at.is_(None)
        )
    )
    if held:
        raise RetentionError(
            f"{held} active legal hold(s) on candidates in this batch: not destroyed"
        )

    in_batch = select(BATCH.c.candidate_id)
    requests = select(_REQUESTS.c.id).where(_REQUESTS.c.candidate_id.in_(in_batch))
    consents = select(_CONSENTS.c.id).where(_CONSENTS.c.candidate_id.in_(in_batch))
    disputes = select(Dispute.id).where(Dispute.request_id.in_(requests))
    for table, where in (
        (table_of(AccessLog), AccessLog.candidate_id.in_(in_batch)),
        (table_of(DisputeDocument), DisputeDocument.dispute_id.in_(disputes)),
        (table_of(DisputeResolution), DisputeResolution.dispute_id.in_(disputes)),
        (table_of(Decision), Decision.request_id.in_(requests)),
        (table_of(Notice), Notice.request_id.in_(requests)),
        (table_of(Dispute), Dispute.request_id.in_(requests)),
        (table_of(Invitation), Invitation.candidate_id.in_(in_batch)),
        (table_of(Report), Report.request_id.in_(requests)),
        (table_of(SourceQuery), SourceQuery.request_id.in_(requests)),
        (table_of(CheckQuery), CheckQuery.request_id.in_(requests)),
        (table_of(ConsentRevocation), ConsentRevocation.consent_id.in_(consents)),
        (_REQUESTS, _REQUESTS.c.candidate_id.in_(in_batch)),
        (_CONSENTS, _CONSENTS.c.candidate_id.in_(in_batch)),
        (table_of(CandidateDemographics), CandidateDemographics.candidate_id.in_(in_batch)),
        (_HOLDS, _HOLDS.c.candidate_id.in_(in_batch)),
        (
            table_of(DeletionRequestCandidate),
            DeletionRequestCandidate.candidate_id.in_(in_batch),
        ),
        (_CANDIDATES, _CANDIDATES.c.id.in_(in_batch)),
        (_DATA_KEYS, _DATA_KEYS.c.id.in_(select(BATCH.c.data_key_id))),
    ):
        session.execute(delete(table).where(where))

    subjects = list(session.scalars(select(BATCH.c.subject)))
    certificate_id = new_id()
    row: dict[str, Any] = {
        "id": certificate_id,
        "reason": reason,
        "rule": rule,
        "destroyed_at": now,
        "subjects": count,
        "data_classes": list(DATA_CLASSES),
        "subjects_digest": subjects_digest(subjects),
    }
    index = record(
        session,
        EventType.DATA_DESTROYED,
        DestructionCertificate,
        row,
        at=now,
        policy=policy,
        attrs={
            "reason": reason,
            "rule": rule,
            "subjects": count,
            "classes": list(DATA_CLASSES),
        },
    )
    session.execute(
        insert(_DESTROYED).from_select(
            ["subject", "certificate_id"],
            select(BATCH.c.subject, literal(certificate_id)),
        )
    )
    return Certificate(certificate_id, reason, rule, now, count, index)
