"""key bindings: the keys a database depends on, by identity; the index secret version of
every candidate's blind index (for index secret rotation)

Revision ID: 0006_key_bindings
Revises: 0005_sealed_facts
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_key_bindings"
down_revision = "0005_sealed_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_bindings",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=400), nullable=False),
        sa.Column("holder", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "name", name=op.f("pk_key_bindings")),
    )
    # Every blind index written before this revision is under the first index secret.
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "blind_index_version", sa.Integer(), server_default=sa.text("1"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("blind_index_version")
    op.drop_table("key_bindings")
