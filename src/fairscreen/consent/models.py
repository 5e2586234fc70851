from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.candidates.models import CLIENT_REF
from fairscreen.kit.db import Base, BlindIndex, Committed, Sealed, UTCDateTime
from fairscreen.ledger.entry import EventType
from fairscreen.vault.blind import BlindIndexed, IndexedValue, register


class Consent(Base, Committed):
    """A signed consent: which items, for what purpose, for whom, for how long. These say what
    was authorised, not what was found, and the ledger's ``consent.signed`` entry publishes the
    same items so a regulator can check every query against them. ``digest`` is SHA-256 of the
    consent document as signed; it also recognises a consent already recorded.

    A consent is never changed: revoking it is a ``ConsentRevocation`` row of its own, and the
    revocation state is read from those rows (committed), never from a column of this one."""

    __committed__ = (
        "candidate_id",
        "items",
        "separate_items",
        "purpose",
        "recipient_id",
        "agency_id",
        "retention_days",
        "signed_at",
        "digest",
    )
    __events__ = (EventType.CONSENT_SIGNED,)
    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("candidate_id", "digest"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    items: Mapped[list[str]] = mapped_column(JSON)
    separate_items: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the signed consent document


class ConsentRevocation(Base, Committed):
    """A candidate revoking a consent: its own row, so the consent's commitment never changes."""

    __committed__ = ("consent_id", "revoked_at")
    __events__ = (EventType.CONSENT_REVOKED,)
    __tablename__ = "consent_revocations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    """An invitation to a check: an employer (or the agency it engaged) asks a candidate to
    consent to screening for a position. The link it is reached by is a random token, of which
    only the SHA-256 is stored.

    What the staff member typed about the person (their contact, the client's reference for
    them, how the employer knows their name) is sealed under the invitation's own data key,
    which becomes the candidate's data key once they give their identity (so destroying the
    candidate destroys it too); the client's reference is found through its blind index. What
    the invitation offers (policy pack, items, purpose, retention) is fixed when it is made, so
    what the candidate reads is what is checked.

    Not on the ledger: an invitation nobody accepts must leave no public trace of a person who
    never agreed to anything. The candidate's first entry is ``consent.signed``."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    employer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    position_id: Mapped[str] = mapped_column(ForeignKey("positions.id"), index=True)
    policy: Mapped[str] = mapped_column(String(40))  # the pack's id@version
    items: Mapped[list[str]] = mapped_column(JSON)  # what may be checked for the position
    separate_items: Mapped[list[str]] = mapped_column(JSON)  # of which need a separate consent
    purpose: Mapped[str] = mapped_column(String(64))
    retention_days: Mapped[int] = mapped_column(Integer)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"), index=True)
    contact_ct: Mapped[bytes] = mapped_column(Sealed)
    client_ref_ct: Mapped[bytes] = mapped_column(Sealed)
    client_ref_index: Mapped[bytes] = mapped_column(BlindIndex(32), index=True)
    known_name_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    blind_index_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_by: Mapped[str] = mapped_column(String(48))  # Actor.label
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Filled as the candidate goes through it: their account (once a one-time code to the
    # invited contact proved it is them), their candidate record (with the identity they gave),
    # their consent, and the check it started.
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidate_accounts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    candidate_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), nullable=True, index=True
    )
    consent_id: Mapped[str | None] = mapped_column(
        ForeignKey("consents.id", ondelete="SET NULL"), nullable=True
    )
    request_id: Mapped[str | None] = mapped_column(
        ForeignKey("check_requests.id", ondelete="SET NULL"), nullable=True, index=True
    )


def _client_ref(opened: Mapping[str, bytes]) -> IndexedValue:
    return IndexedValue(CLIENT_REF, opened["client_ref_ct"].decode(), canonical=False)


register(
    BlindIndexed(
        Invitation,
        version_column="blind_index_version",
        data_key_column="data_key_id",
        sealed=("client_ref_ct",),
        columns={"client_ref_index": _client_ref},
    )
)
