"""Destroying candidates: crypto-shredding, the answers deleted, a certificate on the ledger.

``destroy_batch`` works inside the caller's transaction on the candidates in the batch table
(the sweep fills it by ``retain_until``, a deletion request with the requester's records). For
all of them at once, one statement per table:

1. each candidate's ledger pseudonym is taken from ``candidates.subject_ref`` (stored at
   screening time) or computed from the data key while it still exists;
2. what the screening found and concluded is deleted: findings (their sealed detail and their
   source reference, which can name a public judgment and so the person), reports (whose
   reasons and exclusions cite those references), the sealed demographics, lifted legal holds
   and the links from deletion requests;
3. the candidate row becomes a tombstone: every ciphertext, the blind index of the ID number,
   the data key reference and the pseudonym become NULL, the external reference (the client's
   identifier for the person) becomes ``erased:<id>``, ``erased_at`` is set; the consents'
   external references (the client's names for the signed documents) likewise;
4. the wrapped data keys are deleted: nothing can open a ciphertext of theirs again, wherever a
   copy of it survives (a WAL, a backup);
5. a destruction certificate (class of data, time, rule, number of subjects, a digest of the
   subject list) is written, the pseudonyms are listed in ``destroyed_subjects`` and a
   ``data.destroyed`` entry committing to the certificate is appended to the ledger.

Kept: the process skeleton, the consents and their revocations, the check requests (scope,
policy, times) and the source queries (item, source, count). They hold nothing that the ledger
entries describing them do not already publish, they point only at the tombstone, and keeping
them keeps the process verifiable: their commitments still open. docs/retention.md gives the
reasoning. Either all of this happens or, if the transaction does not commit, none of it.

On SQLite the connection turns on ``PRAGMA secure_delete`` first, so freed cells and pages are
overwritten with zeros rather than left in the file (docs/retention.md says what that does and
does not reach). The session must be an erasure's (``retention.erasure.erasing``), which makes
the destruction durable before anyone reports it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.consent.models import Consent
from fairscreen.kit.commitment import commit, new_salt
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.ids import new_id
from fairscreen.ledger import log as ledger_log
from fairscreen.ledger.entry import Event, EventType
from fairscreen.rating.models import Report
from fairscreen.retention.erasure import record_destruction
from fairscreen.retention.models import (
    DeletionRequestCandidate,
    DestroyedSubject,
    DestructionCertificate,
    LegalHold,
)
from fairscreen.screening.models import CheckRequest
from fairscreen.vault import Vault
from fairscreen.vault.keys import KeyProviderError
from fairscreen.vault.models import DataKey
from fairscreen.verify.models import Finding

log = logging.getLogger(__name__)

RETENTION_EXPIRED = "retention_expired"
DELETION_REQUEST = "deletion_request"

# What a certificate says was destroyed, for every candidate it lists.
DATA_CLASSES: tuple[str, ...] = (
    "candidate.data_key",
    "candidate.name",
    "candidate.id_document",
    "candidate.id_number_blind_index",
    "candidate.birth_date",
    "candidate.claims",
    "candidate.demographics",
    "candidate.external_ref",
    "candidate.ledger_pseudonym_link",
    "consent.external_ref",
    "screening.findings",
    "screening.reports",
    "retention.lifted_legal_holds",
    "retention.deletion_request_links",
)

# Every table that refers (by foreign key) to a candidate or to a row that refers to one, and
# what destruction does to it: "deleted" with the candidate, or "kept" (the process skeleton,
# pointing at the tombstone). tests/retention fail on a table in neither list, so a new table
# that hangs off a candidate gets a decision before it can keep personal data past erasure.
DELETED_TABLES: tuple[str, ...] = (
    "findings",
    "reports",
    "candidate_demographics",
    "legal_holds",
    "deletion_request_candidates",
    "data_keys",
)
KEPT_TABLES: tuple[str, ...] = (
    "consents",
    "consent_revocations",
    "check_requests",
    "source_queries",
)

_CANDIDATES = table_of(Candidate)
_DATA_KEYS = table_of(DataKey)
_REQUESTS = table_of(CheckRequest)
_CONSENTS = table_of(Consent)
_HOLDS = table_of(LegalHold)
_CERTIFICATES = table_of(DestructionCertificate)
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
    unlinked: int  # destroyed without a known pseudonym (their data key no longer opened)
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


VaultSource = Vault | Callable[[], Vault] | None
"""A vault, or a function that opens one when it is first needed (it rarely is)."""


def _fill_subjects(session: Session, source: VaultSource) -> int:
    """Compute the pseudonym of every batched candidate whose row does not store it, from its
    data key; return how many could not be computed (no vault, or a key that does not open)."""
    rows = session.execute(
        select(
            BATCH.c.candidate_id, _DATA_KEYS.c.id, _DATA_KEYS.c.kek_version, _DATA_KEYS.c.wrapped
        )
        .select_from(BATCH.outerjoin(_DATA_KEYS, _DATA_KEYS.c.id == BATCH.c.data_key_id))
        .where(BATCH.c.subject.is_(None))
    ).all()
    if not rows:
        return 0
    vault = source() if callable(source) else source
    found: list[dict[str, Any]] = []
    missing = 0
    for candidate_id, key_id, version, wrapped in rows:
        if vault is None or key_id is None:
            missing += 1
            continue
        try:
            sealer = vault.sealer(key_id, version, bytes(wrapped))
        except KeyProviderError as exc:
            log.warning(
                "candidate %s: no pseudonym, its data key does not open: %s", candidate_id, exc
            )
            missing += 1
            continue
        found.append({"c_id": candidate_id, "c_subject": sealer.subject_ref(candidate_id)})
    if found:
        session.execute(
            update(BATCH)
            .where(BATCH.c.candidate_id == bindparam("c_id"))
            .values(subject=bindparam("c_subject")),
            found,
        )
    return missing


def destroy_batch(
    session: Session,
    *,
    reason: str,
    rule: str,
    now: datetime,
    policy: str | None = None,
    vault: VaultSource = None,
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
    unlinked = _fill_subjects(session, vault)
    if unlinked:
        log.warning(
            "%d candidate(s) destroyed without a known ledger pseudonym: `fairscreen ledger "
            "verify` will report their records as missing",
            unlinked,
        )

    in_batch = select(BATCH.c.candidate_id)
    requests = select(_REQUESTS.c.id).where(_REQUESTS.c.candidate_id.in_(in_batch))
    for table, where in (
        (table_of(Finding), Finding.request_id.in_(requests)),
        (table_of(Report), Report.request_id.in_(requests)),
        (table_of(CandidateDemographics), CandidateDemographics.candidate_id.in_(in_batch)),
        (_HOLDS, and_(_HOLDS.c.candidate_id.in_(in_batch), _HOLDS.c.lifted_at.is_not(None))),
        (
            table_of(DeletionRequestCandidate),
            DeletionRequestCandidate.candidate_id.in_(in_batch),
        ),
    ):
        session.execute(delete(table).where(where))
    session.execute(
        update(_CANDIDATES)
        .where(_CANDIDATES.c.id.in_(in_batch))
        .values(
            data_key_id=None,
            id_number_index=None,
            name_ct=None,
            id_document_ct=None,
            birth_date_ct=None,
            claims_ct=None,
            subject_ref=None,
            external_ref=literal("erased:") + _CANDIDATES.c.id,
            erased_at=now,
        )
    )
    # The client's reference to the consent document names it in the client's own files; it is
    # not committed on the ledger, so it can go while the consent record stays verifiable.
    session.execute(
        update(_CONSENTS)
        .where(_CONSENTS.c.candidate_id.in_(in_batch))
        .values(external_ref=literal("erased:") + _CONSENTS.c.id)
    )
    session.execute(delete(_DATA_KEYS).where(_DATA_KEYS.c.id.in_(select(BATCH.c.data_key_id))))

    subjects = list(session.scalars(select(BATCH.c.subject).where(BATCH.c.subject.is_not(None))))
    certificate_id = new_id()
    row: dict[str, Any] = {
        "id": certificate_id,
        "reason": reason,
        "rule": rule,
        "destroyed_at": now,
        "subjects": count,
        "data_classes": list(DATA_CLASSES),
        "subjects_digest": subjects_digest(subjects),
        "commitment_salt": new_salt(),
    }
    commitment = commit(row["commitment_salt"], DestructionCertificate.committed_fields_of(row))
    session.execute(insert(_CERTIFICATES), [row])
    if subjects:
        session.execute(
            insert(_DESTROYED).from_select(
                ["subject", "certificate_id"],
                select(BATCH.c.subject, literal(certificate_id)).where(
                    BATCH.c.subject.is_not(None)
                ),
            )
        )
    event = Event(
        EventType.DATA_DESTROYED,
        now,
        record=f"destruction_certificates/{certificate_id}",
        commitment=commitment,
        policy=policy,
        attrs={
            "reason": reason,
            "rule": rule,
            "subjects": count,
            "classes": list(DATA_CLASSES),
        },
    )
    index = ledger_log.append(session, [event.encode()])
    return Certificate(certificate_id, reason, rule, now, count, unlinked, index)
