"""Step 6's tables: destruction certificates and the subjects they name, legal holds, and the
candidate's deletion requests with their resolutions.

None of these rows holds personal data. A certificate says what class of data was destroyed,
when, under which rule and for how many subjects; the subjects are listed by their ledger
pseudonym only. A deletion request keeps no value the candidate gave to prove who they are
(the ID number and name are checked against the sealed record and forgotten).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType


class DestroyedSubject(Base):
    """A ledger subject (candidate pseudonym) whose personal data was destroyed, and by which
    destruction certificate. ``fairscreen ledger verify`` accepts a missing off-log record when
    its entry's subject is listed here, and reports any other missing record as tampering."""

    __tablename__ = "destroyed_subjects"

    subject: Mapped[str] = mapped_column(String(32), primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        ForeignKey("destruction_certificates.id"), index=True
    )


class DestructionCertificate(Base, Committed):
    """What was destroyed, when and under which rule; no personal data. Its commitment is on the
    ledger as a ``data.destroyed`` entry.

    ``data_classes`` names the classes of data destroyed (``fairscreen.retention.destroy``
    lists them); ``subjects_digest`` is SHA-256 over the sorted pseudonyms the certificate lists
    in ``destroyed_subjects`` (one per line), so that the list cannot be grown afterwards to
    excuse a record that was deleted for another reason."""

    __committed__ = (
        "reason",
        "rule",
        "destroyed_at",
        "subjects",
        "data_classes",
        "subjects_digest",
    )
    __events__ = (EventType.DATA_DESTROYED,)
    __tablename__ = "destruction_certificates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))  # retention_expired | deletion_request
    rule: Mapped[str] = mapped_column(String(80))  # e.g. "cn@2026.1 retain_until < 2026-11-29"
    destroyed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    subjects: Mapped[int] = mapped_column(Integer)
    data_classes: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))
    subjects_digest: Mapped[str] = mapped_column(String(64), server_default=text("''"))


class LegalHold(Base):
    """A recorded legal obligation to keep a candidate's data (a pending labour arbitration, a
    court's preservation order): while it is active (not lifted), neither the retention sweep
    nor a deletion request destroys the candidate. ``reason_code`` is one of the approved
    reasons (``retention/hold_reasons.toml``), whose approved text is what the candidate sees;
    ``reference`` is the proceeding's reference for staff (never shown to the candidate; it must
    not quote personal data). Lifted holds are destroyed with the candidate."""

    __tablename__ = "legal_holds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    reason_code: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DeletionRequest(Base, Committed):
    """A candidate's request to have their data deleted (PIPL art. 47), from receipt to its
    resolution: ``received`` -> ``verified`` (identity proven) -> ``done`` | ``refused``.

    The committed fields are those fixed at receipt; the resolution is its own committed record.
    The request never holds what the candidate gave to prove who they are: the ID number and the
    name are checked against the sealed candidate records and forgotten; what is kept is which
    candidate records they proved to be theirs (``deletion_request_candidates``), until those
    are destroyed."""

    __committed__ = ("received_at", "due_by", "policy", "channel")
    __events__ = (EventType.DELETION_REQUESTED,)
    __tablename__ = "deletion_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # cli | api | portal
    policy: Mapped[str] = mapped_column(String(40))  # the pack that set the deadline
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_by: Mapped[date] = mapped_column(Date)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The candidate account that asked from its own session (channel "portal"), so that the
    # candidate can follow the request; None for requests taken by an operator.
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidate_accounts.id"), nullable=True, index=True
    )


class DeletionRequestCandidate(Base):
    """A candidate record the requester proved to be theirs (the same person may have been
    screened more than once). Destroyed with the candidate's data."""

    __tablename__ = "deletion_request_candidates"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("deletion_requests.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DeletionResolution(Base, Committed):
    """How a deletion request ended: ``done`` (with the certificate of the destruction) or
    ``refused`` with the legal reason. Its own row, so the request's commitment never changes."""

    __committed__ = ("request_id", "outcome", "reason", "certificate_id", "resolved_at")
    __events__ = (EventType.DELETION_RESOLVED,)
    __tablename__ = "deletion_resolutions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("deletion_requests.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # done | refused
    reason: Mapped[str | None] = mapped_column(String(240), nullable=True)
    certificate_id: Mapped[str | None] = mapped_column(
        ForeignKey("destruction_certificates.id"), nullable=True
    )
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime())
