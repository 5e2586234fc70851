"""livestream: the livestream-commerce monitor's rooms and alerts
(fairscreen.monitors.livestream; escalations go through monitor_evidence).

Revision ID: 0022_livestream
Revises: 0021_elevators
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_livestream"
down_revision = "0021_elevators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "livestream_rooms",
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=48), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ad_label", sa.Boolean(), nullable=False),
        sa.Column("listings", sa.JSON(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("pack", sa.String(length=80), nullable=False),
        sa.Column("detector", sa.String(length=40), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("room", name=op.f("pk_livestream_rooms")),
    )
    op.create_index("ix_livestream_rooms_firm", "livestream_rooms", ["firm", "started_at"])
    op.create_table(
        "livestream_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=True),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("said_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("matched", sa.String(length=120), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("detector", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=80), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=80), nullable=True),
        sa.Column("signal_id", sa.String(length=32), nullable=True),
        sa.Column("escalated", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livestream_alerts")),
    )
    op.create_index("ix_livestream_alerts_firm", "livestream_alerts", ["firm", "raised_at"])
    op.create_index("ix_livestream_alerts_room", "livestream_alerts", ["room", "rule"])


def downgrade() -> None:
    op.drop_index("ix_livestream_alerts_room", table_name="livestream_alerts")
    op.drop_index("ix_livestream_alerts_firm", table_name="livestream_alerts")
    op.drop_table("livestream_alerts")
    op.drop_index("ix_livestream_rooms_firm", table_name="livestream_rooms")
    op.drop_table("livestream_rooms")
