"""checks as jobs: check_queries (one per item and source of a check run by workers) and, on
PostgreSQL, the job engine's own schema (procrastinate, in the schema ``procrastinate``)

Revision ID: 0015_check_jobs
Revises: 0014_check_listing
Create Date: 2026-12-07

procrastinate's tables, types and functions are created from the SQL the installed procrastinate
ships (``procrastinate.schema.SchemaManager.get_schema``), pinned in pyproject.toml to the 3.10
series; a later procrastinate version that changes its schema comes with a migration of ours
that applies its SQL migrations (docs/jobs.md). They live in a schema of their own, so that
nothing of fairscreen's is named like them and the engine's connections (``search_path``) see
only them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fairscreen.kit.db import Sealed, UTCDateTime

revision = "0015_check_jobs"
down_revision = "0014_check_listing"
branch_labels = None
depends_on = None

JOB_SCHEMA = "procrastinate"


def upgrade() -> None:
    op.create_table(
        "check_queries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(length=16), nullable=True),
        sa.Column("next_try_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("records_ct", Sealed(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_check_queries_request_id_check_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_queries")),
        sa.UniqueConstraint(
            "request_id", "item", "source", name=op.f("uq_check_queries_request_id")
        ),
    )
    with op.batch_alter_table("check_queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_queries_request_id"), ["request_id"])
    if op.get_bind().dialect.name == "postgresql":
        # out of the planner's statistics, as every sealed column (0004_secret_statistics)
        op.execute('ALTER TABLE "check_queries" ALTER COLUMN "records_ct" SET STATISTICS 0')
        _create_job_schema()


def _create_job_schema() -> None:
    from procrastinate.schema import SchemaManager

    bind = op.get_bind()
    path = bind.exec_driver_sql("SHOW search_path").scalar_one()
    op.execute(f"CREATE SCHEMA {JOB_SCHEMA}")
    op.execute(f"SET LOCAL search_path TO {JOB_SCHEMA}")
    # The driver reads % as a placeholder: doubled, as procrastinate's own apply_schema does.
    bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    bind.exec_driver_sql(f"SET LOCAL search_path TO {path}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SCHEMA IF EXISTS {JOB_SCHEMA} CASCADE")
    with op.batch_alter_table("check_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_queries_request_id"))
    op.drop_table("check_queries")
