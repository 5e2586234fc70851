"""The off-site checks' tables (migration ``0017_supervision_signals``): where the last run
stopped, the facts the rules carry between entries, the signals found, and the rule-set
versions used (each put on the ledger the first time, ``ruleset.published``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType

CURSOR_ID = 1


class OffsiteCursor(Base):
    """One row: the first ledger index the next run reads, and when and under what it ran."""

    __tablename__ = "supervision_cursor"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    next_index: Mapped[int] = mapped_column(BigInteger)
    ruleset: Mapped[str] = mapped_column(String(80))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OffsiteFact(Base):
    """What a rule remembers between entries (``engine`` names the keys): copied from public
    entries (pseudonyms, items, deadlines), never from a sealed row. ``due``: the earliest
    deadline not yet signalled."""

    __tablename__ = "supervision_facts"
    __table_args__ = (Index("ix_supervision_facts_due", "due"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SignalRow(Base):
    """A signal (``supervision.signals.Signal``) with what it was found under."""

    __tablename__ = "supervision_signals"
    __table_args__ = (
        Index("ix_supervision_signals_org", "org", "opened_at"),
        Index("ix_supervision_signals_rule", "rule", "opened_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    org: Mapped[str] = mapped_column(String(64))
    scenario: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    evidence: Mapped[list[int]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ruleset: Mapped[str] = mapped_column(String(80))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OffsiteRuleset(Base, Committed):
    """An off-site rule-set version, recorded with its ``ruleset.published`` entry the first
    time a run used it. Never personal; never deleted."""

    __committed__ = ("ref", "digest", "first_used_at")
    __events__ = (EventType.RULESET_PUBLISHED,)
    __tablename__ = "supervision_rulesets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
