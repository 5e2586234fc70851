"""kitchens: bright-kitchen camera events with their reviews, and cameras flagged for
maintenance (fairscreen.monitors.kitchens).

Revision ID: 0023_kitchens
Revises: 0022_livestream
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_kitchens"
down_revision = "0022_livestream"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kitchen_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("camera", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("snapshot", sa.String(length=500), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=12), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kitchen_events")),
    )
    op.create_index("ix_kitchen_events_org", "kitchen_events", ["org", "at"])
    op.create_index("ix_kitchen_events_camera", "kitchen_events", ["org", "camera", "at"])
    op.create_index("ix_kitchen_events_verdict", "kitchen_events", ["verdict", "at"])
    op.create_table(
        "kitchen_camera_flags",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("camera", sa.String(length=64), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discounted_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed", sa.Integer(), nullable=False),
        sa.Column("dismissed", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=80), nullable=False),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fixed_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kitchen_camera_flags")),
    )
    op.create_index(
        "ix_kitchen_camera_flags_camera", "kitchen_camera_flags", ["org", "camera", "flagged_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_kitchen_camera_flags_camera", table_name="kitchen_camera_flags")
    op.drop_table("kitchen_camera_flags")
    op.drop_index("ix_kitchen_events_verdict", table_name="kitchen_events")
    op.drop_index("ix_kitchen_events_camera", table_name="kitchen_events")
    op.drop_index("ix_kitchen_events_org", table_name="kitchen_events")
    op.drop_table("kitchen_events")
