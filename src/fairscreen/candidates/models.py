from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, BlindIndex, Sealed, UTCDateTime


class Candidate(Base):
    """A candidate. Every value that says who they are is sealed under the candidate's data key:
    the client's reference for them, name, ID document, birth date and claims. The client's
    reference and the ID number can be looked up only through their keyed blind indexes.

    Erasure deletes the row (``fairscreen.retention.destroy``)."""

    __tablename__ = "candidates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"), index=True)
    external_ref_index: Mapped[bytes] = mapped_column(BlindIndex(32), unique=True)
    external_ref_ct: Mapped[bytes] = mapped_column(Sealed)
    id_number_index: Mapped[bytes] = mapped_column(BlindIndex(32), index=True)
    name_ct: Mapped[bytes] = mapped_column(Sealed)
    id_document_ct: Mapped[bytes] = mapped_column(Sealed)
    birth_date_ct: Mapped[bytes] = mapped_column(Sealed)
    claims_ct: Mapped[bytes] = mapped_column(Sealed)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The day after which the candidate's data is destroyed (step 6): the latest retention of any
    # of the candidate's check requests under its consent and the policy pack.
    retain_until: Mapped[date] = mapped_column(Date, index=True)
    # The candidate's ledger pseudonym (``Sealer.subject_ref``), kept so that erasure can list it
    # in ``destroyed_subjects`` without unwrapping the data key.
    subject_ref: Mapped[str] = mapped_column(String(32))


class CandidateDemographics(Base):
    """Self-identified sex, birth year and ethnicity (sealed), for the bias audit only.

    Kept in a table of its own that no screening code reads: the rating engine's inputs have no
    field for any of these (see ``tests/rating/test_engine.py``)."""

    __tablename__ = "candidate_demographics"

    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    demographics_ct: Mapped[bytes] = mapped_column(Sealed)
