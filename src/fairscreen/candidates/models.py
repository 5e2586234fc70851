from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import orjson
from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime
from fairscreen.vault.blind import BlindIndexed, register


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
    id_number_index: Mapped[bytes | None] = mapped_column(
        LargeBinary(32), index=True, nullable=True
    )
    # The index secret version ``id_number_index`` is under (``fairscreen keys rotate --index``
    # moves it to the next one; see fairscreen.vault.blind).
    blind_index_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    id_document_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    birth_date_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    claims_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The day after which the candidate's data is destroyed (step 6): the latest retention of any
    # of the candidate's check requests under its consent and the policy pack.
    retain_until: Mapped[date] = mapped_column(Date, index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The candidate's ledger pseudonym (``Sealer.subject_ref``), kept so that erasure can list it
    # in ``destroyed_subjects`` without unwrapping the data key; nulled when the data is destroyed.
    subject_ref: Mapped[str | None] = mapped_column(String(32), nullable=True)


def _id_number(opened: Mapping[str, bytes]) -> tuple[str, str] | None:
    """The ID document's kind and number, from the sealed ``id_document_ct`` (canonical JSON)."""
    document = orjson.loads(opened["id_document_ct"])
    return str(document["kind"]), str(document["number"])


register(
    BlindIndexed(
        Candidate,
        version_column="blind_index_version",
        data_key_column="data_key_id",
        sealed=("id_document_ct",),
        columns={"id_number_index": _id_number},
    )
)


class CandidateDemographics(Base):
    """Self-identified sex, birth year and ethnicity (sealed), for the bias audit only.

    Kept in a table of its own that no screening code reads: the rating engine's inputs have no
    field for any of these (see ``tests/rating/test_engine.py``)."""

    __tablename__ = "candidate_demographics"

    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    demographics_ct: Mapped[bytes] = mapped_column(LargeBinary)
