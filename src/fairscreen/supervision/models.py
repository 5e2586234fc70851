"""The supervision tables: firms' tiers and their explanations, inspectors' overrides (on the
ledger), firms' appeals, the random draw's seed (on the ledger before the draw) and the plans
with their visits. Firms are organisations, never people; inspectors appear by staff id in
rows, never on the ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType


class FirmTier(Base):
    """A firm's tier under one scenario as computed on ``as_of`` by rules ``rules``, with the
    explanation of every term (recomputable from the counts and the published rules)."""

    __tablename__ = "supervision_tiers"
    __table_args__ = (Index("ix_supervision_tiers_firm_scenario", "firm", "scenario"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    firm: Mapped[str] = mapped_column(String(64))
    scenario: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    low_years: Mapped[int] = mapped_column(Integer)
    exempt_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    rules: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TierOverride(Base, Committed):
    """An inspector's override of a computed tier, with a reason code of the rules file."""

    __committed__ = (
        "firm",
        "scenario",
        "tier_id",
        "from_tier",
        "to_tier",
        "reason",
        "inspector",
        "created_at",
    )
    __events__ = (EventType.TIER_OVERRIDDEN,)
    __tablename__ = "supervision_tier_overrides"
    __table_args__ = (Index("ix_supervision_tier_overrides_firm_scenario", "firm", "scenario"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    firm: Mapped[str] = mapped_column(String(64))
    scenario: Mapped[str] = mapped_column(String(40))
    tier_id: Mapped[str] = mapped_column(ForeignKey("supervision_tiers.id"))
    from_tier: Mapped[str] = mapped_column(String(16))
    to_tier: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(40))
    inspector: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TierAppeal(Base):
    """A firm's appeal against its tier under one scenario, and the regulator's answer."""

    __tablename__ = "supervision_appeals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    firm: Mapped[str] = mapped_column(String(64), index=True)
    scenario: Mapped[str] = mapped_column(String(40))
    tier_id: Mapped[str] = mapped_column(ForeignKey("supervision_tiers.id"))
    grounds: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # open, upheld, dismissed
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    override_id: Mapped[str | None] = mapped_column(
        ForeignKey("supervision_tier_overrides.id"), nullable=True
    )


class DrawSeed(Base, Committed):
    """The seed of a year's 雙隨機 draw and the digest of what it draws from, on the ledger
    (``draw.seeded``) before the draw is made; ``population`` is that input itself."""

    __committed__ = ("year", "seed", "population_digest", "rules", "share", "created_at")
    __events__ = (EventType.DRAW_SEEDED,)
    __tablename__ = "supervision_draw_seeds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    population_digest: Mapped[str] = mapped_column(String(64))
    rules: Mapped[str] = mapped_column(String(80))
    share: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    population: Mapped[dict[str, Any]] = mapped_column(JSON)


class InspectionPlan(Base, Committed):
    """A year's plan: its draw and visits (by digest, on the ledger) and its figures."""

    __committed__ = ("year", "rules", "seed_id", "draw_digest", "visits_digest", "created_at")
    __events__ = (EventType.PLAN_PUBLISHED,)
    __tablename__ = "supervision_plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    rules: Mapped[str] = mapped_column(String(80))
    seed_id: Mapped[str] = mapped_column(ForeignKey("supervision_draw_seeds.id"))
    draw_digest: Mapped[str] = mapped_column(String(64))
    visits_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    draws: Mapped[list[Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class PlanVisit(Base):
    """One visit of a plan: the firm, the scenarios and matters, the team, the window, the day
    and its place on the day's route."""

    __tablename__ = "supervision_visits"
    __table_args__ = (Index("ix_supervision_visits_plan_day", "plan_id", "day"),)

    plan_id: Mapped[str] = mapped_column(ForeignKey("supervision_plans.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    firm: Mapped[str] = mapped_column(String(64), index=True)
    scenarios: Mapped[list[str]] = mapped_column(JSON)
    skills: Mapped[list[str]] = mapped_column(JSON)
    team: Mapped[str] = mapped_column(String(32))
    inspectors: Mapped[list[str]] = mapped_column(JSON)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)  # the window's last day
    day: Mapped[date] = mapped_column(Date)
    route_order: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[bool] = mapped_column(Boolean)


class PlanVisitInspector(Base):
    """Who goes on a visit: one row per inspector, to read a plan per inspector."""

    __tablename__ = "supervision_visit_inspectors"
    __table_args__ = (
        ForeignKeyConstraint(
            ["plan_id", "visit_id"], ["supervision_visits.plan_id", "supervision_visits.id"]
        ),
        Index("ix_supervision_visit_inspectors_plan_inspector", "plan_id", "inspector"),
    )

    plan_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    visit_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    inspector: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
