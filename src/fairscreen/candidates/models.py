from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, BlindIndex, Sealed, UTCDateTime


class Candidate(Base):
    """A candidate. Name, ID number, birth date and claims are AES-GCM ciphertexts under the
    candidate's data key; the ID number can be found only through its keyed blind index."""

    __tablename__ = "candidates"
    # The retention sweep's query: live candidates whose retention has ended.
    __table_args__ = (Index("ix_candidates_erased_at", "erased_at", "retain_until"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(64), unique=True)
    data_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True, nullable=True
    )
    id_number_index: Mapped[bytes | None] = mapped_column(BlindIndex(32), index=True, nullable=True)
    name_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    id_document_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    birth_date_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    claims_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The day after which the candidate's data is destroyed (step 6): the latest retention of any
    # of the candidate's check requests under its consent and the policy pack.
    retain_until: Mapped[date] = mapped_column(Date, index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The candidate's ledger pseudonym (``Sealer.subject_ref``), kept so that erasure can list it
    # in ``destroyed_subjects`` without unwrapping the data key; nulled when the data is destroyed.
    subject_ref: Mapped[str | None] = mapped_column(String(32), nullable=True)


class CandidateDemographics(Base):
    """Self-identified sex, birth year and ethnicity (sealed), for the bias audit only.

    Kept in a table of its own that no screening code reads: the rating engine's inputs have no
    field for any of these (see ``tests/rating/test_engine.py``)."""

    __tablename__ = "candidate_demographics"

    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    demographics_ct: Mapped[bytes] = mapped_column(Sealed)
