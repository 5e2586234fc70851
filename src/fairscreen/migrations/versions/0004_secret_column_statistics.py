"""secret columns out of PostgreSQL's planner statistics: ciphertexts, wrapped data keys and
blind indexes get statistics target 0, and what pg_statistic already holds of them is removed

``ANALYZE`` samples every column into ``pg_statistic`` (most common values, histogram bounds),
where a ciphertext, a wrapped data key or a blind index outlives the row it came from: erasure
deletes the row, not the sample. With target 0, ``ANALYZE`` skips the column; but it leaves the
rows it collected earlier in place, so each column is also altered to its own type, which drops
them without rewriting the table (measured on PostgreSQL 15). The dead catalog rows are gone
from the files after ``fairscreen retention compact`` (``VACUUM (FULL) pg_statistic``).

The columns are the ``Sealed`` and ``BlindIndex`` columns of the models at this revision;
``tests/migrations/test_migrations.py`` fails for any such column added later without the same.
Nothing to do on SQLite (no statistics of column values without ``sqlite_stat4``, which
``retention compact`` clears if a build has it).

Revision ID: 0004_secret_statistics
Revises: 0003_retention
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0004_secret_statistics"
down_revision = "0003_retention"
branch_labels = None
depends_on = None

SECRET_COLUMNS = (
    ("candidates", "id_number_index"),
    ("candidates", "name_ct"),
    ("candidates", "id_document_ct"),
    ("candidates", "birth_date_ct"),
    ("candidates", "claims_ct"),
    ("candidate_demographics", "demographics_ct"),
    ("findings", "detail_ct"),
    ("data_keys", "wrapped"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in SECRET_COLUMNS:
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 0')
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE bytea')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in SECRET_COLUMNS:
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS -1')
