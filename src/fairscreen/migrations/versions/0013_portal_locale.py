"""portal locale: the language a staff member or a candidate chose for the portals, remembered
on their account (zh-Hant, zh-Hans or en; NULL until they choose). Added in place on both
backends (a nullable column without a default).

Revision ID: 0013_portal_locale
Revises: 0012_audit
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_portal_locale"
down_revision = "0012_audit"
branch_labels = None
depends_on = None

TABLES = ("staff_accounts", "candidate_accounts")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("locale", sa.String(8), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("locale")
