"""retention: legal holds, deletion requests and resolutions, richer certificates, the stored
ledger pseudonym, and the index the retention sweep selects with

Revision ID: 0003_retention
Revises: 0002_ledger
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_retention"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_ref", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_candidates_erased_at"), ["erased_at", "retain_until"], unique=False
        )
    with op.batch_alter_table("destruction_certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("data_classes", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "subjects_digest",
                sa.String(length=64),
                server_default=sa.text("''"),
                nullable=False,
            )
        )

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_legal_holds_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_holds_candidate_id"), ["candidate_id"], unique=False
        )

    op.create_table(
        "deletion_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_requests")),
    )
    with op.batch_alter_table("deletion_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deletion_requests_status"), ["status"], unique=False)

    op.create_table(
        "deletion_request_candidates",
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_deletion_request_candidates_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["deletion_requests.id"],
            name=op.f("fk_deletion_request_candidates_request_id_deletion_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "candidate_id", name=op.f("pk_deletion_request_candidates")
        ),
    )
    with op.batch_alter_table("deletion_request_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deletion_request_candidates_candidate_id"),
            ["candidate_id"],
            unique=False,
        )

    op.create_table(
        "deletion_resolutions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=240), nullable=True),
        sa.Column("certificate_id", sa.String(length=32), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["destruction_certificates.id"],
            name=op.f("fk_deletion_resolutions_certificate_id_destruction_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["deletion_requests.id"],
            name=op.f("fk_deletion_resolutions_request_id_deletion_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_resolutions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_deletion_resolutions_request_id")),
    )


def downgrade() -> None:
    op.drop_table("deletion_resolutions")
    with op.batch_alter_table("deletion_request_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_request_candidates_candidate_id"))
    op.drop_table("deletion_request_candidates")
    with op.batch_alter_table("deletion_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_requests_status"))
    op.drop_table("deletion_requests")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_candidate_id"))
    op.drop_table("legal_holds")
    with op.batch_alter_table("destruction_certificates", schema=None) as batch_op:
        batch_op.drop_column("subjects_digest")
        batch_op.drop_column("data_classes")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_erased_at"))
        batch_op.drop_column("subject_ref")
