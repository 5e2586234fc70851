"""check listing: what the staff list of checks shows of a check that is sealed (its light and
the client's reference), kept next to the check under the candidate's data key
(``check_requests.listing_ct``) with the report it was taken from (``listing_of``), and the
list's two orders as indexes (an employer's checks, an agency's checks, newest first), so that a
page of the list is one indexed query. Added in place on both backends; the listing of a check
made before is filled the first time the list shows it.

Revision ID: 0014_check_listing
Revises: 0013_portal_locale
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_check_listing"
down_revision = "0013_portal_locale"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_check_requests_employer_listed": ["employer_id", "scope_fixed_at", "id"],
    "ix_check_requests_agency_listed": ["agency_id", "scope_fixed_at", "id"],
}


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD COLUMN, SQLite too): other tables refer to check_requests.
    op.add_column("check_requests", sa.Column("listing_ct", sa.LargeBinary(), nullable=True))
    op.add_column("check_requests", sa.Column("listing_of", sa.String(32), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "check_requests", columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE "check_requests" ALTER COLUMN "listing_ct" SET STATISTICS 0')


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "check_requests")
    op.drop_column("check_requests", "listing_of")  # SQLite >= 3.35: in place
    op.drop_column("check_requests", "listing_ct")
