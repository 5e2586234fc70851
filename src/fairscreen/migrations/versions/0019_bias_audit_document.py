"""bias_audit_document: a published bias audit keeps its JSON document (canonical JSON, whose
SHA-256 is the digest on the ledger), so the audit can be fetched over HTTP as JSON, CSV and
HTML (fairscreen.audit.bias_routes). Aggregates only; audits published before have none.

Revision ID: 0019_bias_audit_document
Revises: 0018_idempotency
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_bias_audit_document"
down_revision = "0018_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bias_audits") as batch:
        batch.add_column(sa.Column("document", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bias_audits") as batch:
        batch.drop_column("document")
