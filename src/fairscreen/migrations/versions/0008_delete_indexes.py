"""indexes for the foreign keys that erasure's deletes look up: deleting a consent finds the
check requests that name it, deleting a data key the staff accounts that name it

Revision ID: 0008_delete_indexes
Revises: 0007_accounts
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0008_delete_indexes"
down_revision = "0007_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_requests_consent_id"), ["consent_id"])
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_accounts_data_key_id"), ["data_key_id"])


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_accounts_data_key_id"))
    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_requests_consent_id"))
