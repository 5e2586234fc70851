from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import orjson
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, BlindIndex, Sealed, UTCDateTime
from fairscreen.vault.blind import BlindIndexed, IndexedValue, register

CLIENT_REF = "client_ref"  # the blind index's kind for a client's reference


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
    # The index secret both blind indexes of the row are under (``fairscreen keys rotate
    # --index`` moves a row to the next one in one statement; see fairscreen.vault.blind).
    blind_index_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The day after which the candidate's data is destroyed (step 6): the latest retention of any
    # of the candidate's check requests under its consent and the policy pack.
    retain_until: Mapped[date] = mapped_column(Date, index=True)
    # The candidate's own account, once they accepted an invitation (None for candidates who
    # came in a world file or whose client did not invite them).
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidate_accounts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The candidate's ledger pseudonym (``Sealer.subject_ref``), kept so that erasure can list it
    # in ``destroyed_subjects`` without unwrapping the data key.
    subject_ref: Mapped[str] = mapped_column(String(32))


def _client_ref(opened: Mapping[str, bytes]) -> IndexedValue:
    """The client's reference, from the sealed ``external_ref_ct``, indexed exactly as given."""
    return IndexedValue(CLIENT_REF, opened["external_ref_ct"].decode(), canonical=False)


def _id_number(opened: Mapping[str, bytes]) -> IndexedValue:
    """The ID document's kind and number, from the sealed ``id_document_ct`` (canonical JSON)."""
    document = orjson.loads(opened["id_document_ct"])
    return IndexedValue(str(document["kind"]), str(document["number"]))


register(
    BlindIndexed(
        Candidate,
        version_column="blind_index_version",
        data_key_column="data_key_id",
        sealed=("external_ref_ct", "id_document_ct"),
        columns={"external_ref_index": _client_ref, "id_number_index": _id_number},
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
    demographics_ct: Mapped[bytes] = mapped_column(Sealed)
    # The candidate's separate consent to the bias audit's use of these (absent in the world
    # file: no). In clear, so the audit opens only the demographics it may use.
    audit_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
