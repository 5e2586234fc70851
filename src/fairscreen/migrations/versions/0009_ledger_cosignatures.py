"""ledger cosignatures: the witnesses' cosignatures (C2SP tlog-cosignature) the log collected
for its checkpoints

Revision ID: 0009_ledger_cosignatures
Revises: 0008_delete_indexes
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_ledger_cosignatures"
down_revision = "0008_delete_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_cosignatures",
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("witness", sa.String(length=255), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "size", "root", "witness", "key_id", name=op.f("pk_ledger_cosignatures")
        ),
    )


def downgrade() -> None:
    op.drop_table("ledger_cosignatures")
