from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, Sealed, UTCDateTime
from fairscreen.ledger.entry import EventType


class CheckRequest(Base, Committed):
    """A screening of one candidate for one position. Its scope (step 2) is fixed and stored
    before any source is queried: ``scope`` lists the items to check with their lookback windows,
    ``not_checked`` the items left out and why, both under ``policy`` (pack id@version)."""

    __committed__ = (
        "candidate_id",
        "position_id",
        "employer_id",
        "agency_id",
        "consent_id",
        "policy",
        "as_of",
        "scope",
        "not_checked",
        "scope_fixed_at",
        "models",
    )
    __events__ = (EventType.SCOPE_FIXED, EventType.CHECK_STOPPED)
    __tablename__ = "check_requests"
    # The staff list's two orders: an employer's checks and an agency's, newest first.
    __table_args__ = (
        Index("ix_check_requests_employer_listed", "employer_id", "scope_fixed_at", "id"),
        Index("ix_check_requests_agency_listed", "agency_id", "scope_fixed_at", "id"),
    )
    # ``models`` joined the committed fields later: a row without it (NULL, written before the
    # model registry) is committed to without the key, so its old commitment still opens.
    __committed_since__: ClassVar[dict[str, None]] = {"models": None}

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    position_id: Mapped[str] = mapped_column(ForeignKey("positions.id"), index=True)
    employer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    # Indexed: deleting a consent looks up the requests that name it (the foreign key).
    consent_id: Mapped[str | None] = mapped_column(
        ForeignKey("consents.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # in_progress | reported | stopped
    stop_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    policy: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date] = mapped_column(Date)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    not_checked: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    scope_fixed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The artefacts that shaped the result (``fairscreen.audit.registry``): kind, id@version
    # and digest of the policy pack, rule set, reference screener and identity matching.
    models: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)
    # What the staff list of checks shows that is sealed (the latest report's light, the
    # client's reference), under the candidate's data key, and the report it was taken from;
    # kept by the portal (``web.portal.listing``), not committed to: it repeats the report.
    listing_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    listing_of: Mapped[str | None] = mapped_column(String(32), nullable=True)

    def committed_fields(self) -> dict[str, Any]:
        return self.committed_fields_of({name: getattr(self, name) for name in self.__committed__})

    @classmethod
    def committed_fields_of(cls, row: Mapping[str, Any]) -> dict[str, Any]:
        fields = {name: row[name] for name in cls.__committed__ if name in row}
        for name, absent in cls.__committed_since__.items():
            if fields.get(name, absent) == absent:
                fields.pop(name, None)
        return fields


class CheckQuery(Base):
    """One (item, source) question of a check run as jobs (``fairscreen.jobs``): created with
    the check, ``pending`` until the source answers (``answered``, its records sealed in
    ``records_ct`` until the report is issued) or its deadline passes (``unavailable``: the item
    is then not checked, ``source_unavailable``). It moves out of ``pending`` once: the job that
    moves it writes the ``SourceQuery`` row and its ledger entry in the same transaction, so a
    job run twice writes once. ``attempts``, ``problem`` and ``next_try_at`` say what is late
    and why (the check's status)."""

    __tablename__ = "check_queries"
    __table_args__ = (UniqueConstraint("request_id", "item", "source"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending | answered | unavailable
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # waiting (the provider has not answered yet) | throttled | outage | failed | unreachable
    problem: Mapped[str | None] = mapped_column(String(16), nullable=True)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    records_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
