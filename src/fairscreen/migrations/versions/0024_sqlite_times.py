"""sqlite_times: on SQLite, rewrite the times ``kit.db.bulk_insert`` stored in the driver's own
text (``2026-11-29 08:30:01.123456+00:00``, ``2026-01-01 00:00:00+00:00``) as SQLAlchemy's insert
and every query's parameters write them (``2026-11-29 08:30:01.123456``,
``2026-01-01 00:00:00.000000``). The two sort differently, so a range or equality query missed
a bulk-inserted row on its boundary. Every stored time is UTC (``kit.db.UTCDateTime``), so the
suffix is always ``+00:00``. Every DATETIME column of every table is rewritten; PostgreSQL
stores times as times and has nothing to rewrite. Nothing to undo: both texts read back as
the same instant.

Revision ID: 0024_sqlite_times
Revises: 0023_kitchens
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0024_sqlite_times"
down_revision = "0023_kitchens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = [
        name
        for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        columns = [
            row[1]
            for row in bind.exec_driver_sql(f'PRAGMA table_info("{table}")')
            if str(row[2]).upper().startswith(("DATETIME", "TIMESTAMP"))
        ]
        for column in columns:
            bind.exec_driver_sql(
                f'UPDATE "{table}" SET "{column}" = CASE '  # noqa: S608 (names from the schema)
                f'WHEN length("{column}") = 25 THEN substr("{column}", 1, 19) || \'.000000\' '
                f'ELSE substr("{column}", 1, 26) END '
                f"WHERE typeof(\"{column}\") = 'text' AND \"{column}\" LIKE '%+00:00'"
            )


def downgrade() -> None:
    pass
