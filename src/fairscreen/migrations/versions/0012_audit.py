"""audit: the model registry (model_versions), published bias audits (bias_audits), the
artefacts each check request was made with (check_requests.models) and the candidate's
separate consent to the audit's use of their demographics (candidate_demographics.audit_consent).

Revision ID: 0012_audit
Revises: 0011_notify
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_audit"
down_revision = "0011_notify"
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
    # In place (ALTER TABLE ... ADD COLUMN, SQLite too): rebuilding a table, as Alembic's batch
    # mode does on SQLite, cannot drop a table other rows refer to while foreign keys are on.
    op.add_column("check_requests", sa.Column("models", sa.JSON(), nullable=True))
    op.add_column(
        "candidate_demographics",
        sa.Column("audit_consent", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("candidate_demographics", "audit_consent")  # SQLite >= 3.35: in place
    op.drop_column("check_requests", "models")
    op.drop_table("bias_audits")
    op.drop_table("model_versions")
