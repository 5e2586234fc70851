"""monitor_evidence: the evidence document of each supervision signal a monitor raised
(livestream commerce, smart elevators, bright kitchens), committed to the ledger by a
``monitor.signalled`` entry carrying its SHA-256 (fairscreen.monitors.escalate).

Revision ID: 0020_monitor_evidence
Revises: 0019_bias_audit_document
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_monitor_evidence"
down_revision = "0019_bias_audit_document"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_evidence",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("signal_key", sa.String(length=160), nullable=False),
        sa.Column("monitor", sa.String(length=24), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_evidence")),
        sa.UniqueConstraint("signal_key", name=op.f("uq_monitor_evidence_signal_key")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_monitor_evidence_ledger_index")),
    )
    op.create_index("ix_monitor_evidence_org", "monitor_evidence", ["org", "observed_at"])


def downgrade() -> None:
    op.drop_index("ix_monitor_evidence_org", table_name="monitor_evidence")
    op.drop_table("monitor_evidence")
