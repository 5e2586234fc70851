"""audit: the model registry (model_versions), published bias audits (bias_audits), the
artefacts each check request was made with (check_requests.models) and the candidate's
separate consent to the audit's use of their demographics (candidate_demographics.audit_consent).

Revision ID: 0009_audit
Revises: 0008_delete_indexes
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_audit"
down_revision = "0008_delete_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("kind", "ref", "digest", name=op.f("uq_model_versions_kind")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_model_versions_ledger_index")),
    )
    op.create_table(
        "bias_audits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bias_audits")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_bias_audits_ledger_index")),
    )
    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("models", sa.JSON(), nullable=True))
    with op.batch_alter_table("candidate_demographics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("candidate_demographics", schema=None) as batch_op:
        batch_op.drop_column("audit_consent")
    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.drop_column("models")
    op.drop_table("bias_audits")
    op.drop_table("model_versions")
