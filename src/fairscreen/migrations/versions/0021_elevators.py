"""elevator_*: the smart-elevator monitor's elevators, events, state changes, maintenance
visits, inspections and alerts (fairscreen.monitors.elevators).

Revision ID: 0021_elevators
Revises: 0020_monitor_evidence
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_elevators"
down_revision = "0020_monitor_evidence"
branch_labels = None
depends_on = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "elevator_units",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_unit", sa.String(length=64), nullable=False),
        sa.Column("maintainer", sa.String(length=64), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("since", _when(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=True),
        sa.Column("state_at", _when(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elevator_units")),
    )
    op.create_index("ix_elevator_units_user_unit", "elevator_units", ["user_unit"])
    op.create_index("ix_elevator_units_maintainer", "elevator_units", ["maintainer"])
    op.create_table(
        "elevator_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("elevator", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elevator_events")),
    )
    op.create_index("ix_elevator_events_elevator", "elevator_events", ["elevator", "at"])
    op.create_table(
        "elevator_status",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("elevator", sa.String(length=32), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("load", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elevator_status")),
    )
    op.create_index("ix_elevator_status_elevator", "elevator_status", ["elevator", "at"])
    op.create_table(
        "elevator_maintenance",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("elevator", sa.String(length=32), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", _when(), nullable=False),
        sa.Column("ended_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elevator_maintenance")),
    )
    op.create_index(
        "ix_elevator_maintenance_elevator", "elevator_maintenance", ["elevator", "started_at"]
    )
    op.create_table(
        "elevator_inspections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("elevator", sa.String(length=32), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elevator_inspections")),
    )
    op.create_index("ix_elevator_inspections_elevator", "elevator_inspections", ["elevator", "on"])
    op.create_table(
        "elevator_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("elevator", sa.String(length=32), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("opened_at", _when(), nullable=False),
        sa.Column("closed_at", _when(), nullable=True),
        sa.Column("signal_id", sa.String(length=32), nullable=True),
        sa.Column("pack", sa.String(length=80), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("found_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elevator_alerts")),
        sa.UniqueConstraint("key", name=op.f("uq_elevator_alerts_key")),
    )
    op.create_index("ix_elevator_alerts_org", "elevator_alerts", ["org", "opened_at"])
    op.create_index("ix_elevator_alerts_elevator", "elevator_alerts", ["elevator"])


def downgrade() -> None:
    for table in (
        "elevator_alerts",
        "elevator_inspections",
        "elevator_maintenance",
        "elevator_status",
        "elevator_events",
        "elevator_units",
    ):
        op.drop_table(table)
