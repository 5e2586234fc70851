"""supervision: firms' risk tiers with explanations (supervision_tiers), inspectors' overrides
(supervision_tier_overrides, on the ledger), firms' appeals (supervision_appeals), the random
draw's seed (supervision_draw_seeds, on the ledger before the draw), inspection plans
(supervision_plans, on the ledger) and their visits (supervision_visits,
supervision_visit_inspectors).

Revision ID: 0016_supervision_plan
Revises: 0015_check_jobs
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_supervision_plan"
down_revision = "0015_check_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_draw_seeds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("population_digest", sa.String(length=64), nullable=False),
        sa.Column("rules", sa.String(length=80), nullable=False),
        sa.Column("share", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_draw_seeds")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_supervision_draw_seeds_ledger_index")),
    )
    op.create_table(
        "supervision_tiers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("low_years", sa.Integer(), nullable=False),
        sa.Column("exempt_until", sa.Date(), nullable=True),
        sa.Column("rules", sa.String(length=80), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_tiers")),
    )
    op.create_index(
        "ix_supervision_tiers_firm_scenario",
        "supervision_tiers",
        ["firm", "scenario"],
        unique=False,
    )
    op.create_table(
        "supervision_plans",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=80), nullable=False),
        sa.Column("seed_id", sa.String(length=32), nullable=False),
        sa.Column("draw_digest", sa.String(length=64), nullable=False),
        sa.Column("visits_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draws", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seed_id"],
            ["supervision_draw_seeds.id"],
            name=op.f("fk_supervision_plans_seed_id_supervision_draw_seeds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_plans")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_supervision_plans_ledger_index")),
    )
    op.create_table(
        "supervision_tier_overrides",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("tier_id", sa.String(length=32), nullable=False),
        sa.Column("from_tier", sa.String(length=16), nullable=False),
        sa.Column("to_tier", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("inspector", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["supervision_tiers.id"],
            name=op.f("fk_supervision_tier_overrides_tier_id_supervision_tiers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_tier_overrides")),
        sa.UniqueConstraint(
            "ledger_index", name=op.f("uq_supervision_tier_overrides_ledger_index")
        ),
    )
    op.create_index(
        "ix_supervision_tier_overrides_firm_scenario",
        "supervision_tier_overrides",
        ["firm", "scenario"],
        unique=False,
    )
    op.create_table(
        "supervision_appeals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("tier_id", sa.String(length=32), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["override_id"],
            ["supervision_tier_overrides.id"],
            name=op.f("fk_supervision_appeals_override_id_supervision_tier_overrides"),
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["supervision_tiers.id"],
            name=op.f("fk_supervision_appeals_tier_id_supervision_tiers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_appeals")),
    )
    op.create_index(
        op.f("ix_supervision_appeals_firm"), "supervision_appeals", ["firm"], unique=False
    )
    op.create_table(
        "supervision_visits",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("inspectors", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("route_order", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["supervision_plans.id"],
            name=op.f("fk_supervision_visits_plan_id_supervision_plans"),
        ),
        sa.PrimaryKeyConstraint("plan_id", "id", name=op.f("pk_supervision_visits")),
    )
    op.create_index(
        op.f("ix_supervision_visits_firm"), "supervision_visits", ["firm"], unique=False
    )
    op.create_index(
        "ix_supervision_visits_plan_day", "supervision_visits", ["plan_id", "day"], unique=False
    )
    op.create_table(
        "supervision_visit_inspectors",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.String(length=80), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id", "visit_id"],
            ["supervision_visits.plan_id", "supervision_visits.id"],
            name=op.f("fk_supervision_visit_inspectors_plan_id_supervision_visits"),
        ),
        sa.PrimaryKeyConstraint(
            "plan_id", "visit_id", "inspector", name=op.f("pk_supervision_visit_inspectors")
        ),
    )
    op.create_index(
        "ix_supervision_visit_inspectors_plan_inspector",
        "supervision_visit_inspectors",
        ["plan_id", "inspector"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("supervision_visit_inspectors")
    op.drop_table("supervision_visits")
    op.drop_table("supervision_appeals")
    op.drop_table("supervision_tier_overrides")
    op.drop_table("supervision_plans")
    op.drop_table("supervision_tiers")
    op.drop_table("supervision_draw_seeds")
