"""feedback: invitations (consent online), pre-adverse notices, disputes with their documents
and resolutions, hiring decisions and their anonymous tallies; positions name the agency their
employer engaged; legal holds give an approved reason code (and a staff-only proceeding
reference) instead of free text; a deletion request may belong to the candidate account that
made it. The new sealed and blind-index columns are kept out of PostgreSQL's planner
statistics (see 0004_secret_column_statistics).

On SQLite the reference columns of ``positions`` and ``deletion_requests`` are added in place,
so that a database holding data upgrades (rebuilding a table other rows refer to is refused
while foreign keys are enforced). Downgrading rebuilds them, which needs those tables' children
empty on SQLite.

Existing legal holds keep their text as the staff-only reference, under the reason code
``legal_obligation`` (whose approved text the candidate sees).

Revision ID: 0010_feedback
Revises: 0009_ledger_cosignatures
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_feedback"
down_revision = "0009_ledger_cosignatures"
branch_labels = None
depends_on = None

NEW_SECRET_COLUMNS = (
    ("invitations", "contact_ct"),
    ("invitations", "client_ref_ct"),
    ("invitations", "client_ref_index"),
    ("invitations", "known_name_ct"),
    ("notices", "reasons_ct"),
    ("disputes", "content_ct"),
    ("dispute_documents", "name_ct"),
    ("dispute_documents", "content_ct"),
    ("dispute_resolutions", "content_ct"),
    ("decisions", "content_ct"),
)

_TIME = sa.DateTime(timezone=True)


def _committed() -> list[sa.Column[object]]:
    return [
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
    ]


def _add_reference(table: str, column: str, target: str, ondelete: str | None = None) -> None:
    """Add a nullable reference column with its foreign key and index. SQLite adds it in place
    (``ALTER TABLE ... ADD COLUMN ... REFERENCES``): rebuilding the table, as Alembic's batch
    mode would, cannot drop a table other rows refer to while foreign keys are enforced."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        action = f" ON DELETE {ondelete}" if ondelete else ""
        op.execute(
            f'ALTER TABLE "{table}" ADD COLUMN "{column}" VARCHAR(32) '
            f'CONSTRAINT "{name}" REFERENCES "{target}" (id){action}'
        )
    else:
        op.add_column(table, sa.Column(column, sa.String(length=32), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"], ondelete=ondelete)
    op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def _drop_reference(table: str, column: str, target: str) -> None:
    op.drop_index(f"ix_{table}_{column}", table_name=table)
    if op.get_bind().dialect.name == "sqlite":  # the inline constraint goes with the column
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    else:
        op.drop_constraint(f"fk_{table}_{column}_{target}", table, type_="foreignkey")
        op.drop_column(table, column)


def upgrade() -> None:
    _tables()
    _changes()
    if op.get_bind().dialect.name == "postgresql":
        for table, column in NEW_SECRET_COLUMNS:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 0')


def _tables() -> None:
    op.create_table(
        "decision_tallies",
        sa.Column("employer_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("light", sa.String(length=8), nullable=False),
        sa.Column("flag", sa.String(length=48), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_decision_tallies_employer_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "employer_id", "month", "outcome", "light", "flag", name=op.f("pk_decision_tallies")
        ),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("employer_id", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.String(length=32), nullable=True),
        sa.Column("position_id", sa.String(length=32), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("separate_items", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("data_key_id", sa.String(length=32), nullable=False),
        sa.Column("contact_ct", sa.LargeBinary(), nullable=False),
        sa.Column("client_ref_ct", sa.LargeBinary(), nullable=False),
        sa.Column("client_ref_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("known_name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("blind_index_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_by", sa.String(length=48), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("accepted_at", _TIME, nullable=True),
        sa.Column("candidate_id", sa.String(length=32), nullable=True),
        sa.Column("consent_id", sa.String(length=32), nullable=True),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["candidate_accounts.id"],
            name=op.f("fk_invitations_account_id_candidate_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["organisations.id"], name=op.f("fk_invitations_agency_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_invitations_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_invitations_consent_id_consents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_invitations_data_key_id_data_keys")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_invitations_employer_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_invitations_position_id_positions")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_invitations_request_id_check_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        for column in (
            "account_id",
            "agency_id",
            "candidate_id",
            "client_ref_index",
            "data_key_id",
            "employer_id",
            "position_id",
            "request_id",
        ):
            batch_op.create_index(batch_op.f(f"ix_invitations_{column}"), [column], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=48), nullable=False),
        sa.Column("decided_at", _TIME, nullable=False),
        sa.Column("content_ct", sa.LargeBinary(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("insisted", sa.Boolean(), nullable=False),
        *_committed(),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_decisions_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_decisions_request_id_check_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_decisions_ledger_index")),
        sa.UniqueConstraint("request_id", name=op.f("uq_decisions_request_id")),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", _TIME, nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_ct", sa.LargeBinary(), nullable=False),
        *_committed(),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_disputes_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_disputes_request_id_check_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_disputes_ledger_index")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_status"), ["status"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("sent_by", sa.String(length=48), nullable=False),
        sa.Column("sent_at", _TIME, nullable=False),
        sa.Column("waiting_until", _TIME, nullable=False),
        sa.Column("reasons_ct", sa.LargeBinary(), nullable=False),
        *_committed(),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_notices_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_notices_request_id_check_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_notices_ledger_index")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_request_id"), ["request_id"], unique=False)

    op.create_table(
        "dispute_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name_ct", sa.LargeBinary(), nullable=False),
        sa.Column("content_ct", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_documents_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_documents")),
    )
    with op.batch_alter_table("dispute_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_documents_dispute_id"), ["dispute_id"], unique=False
        )

    op.create_table(
        "dispute_resolutions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=16), nullable=False),
        sa.Column("resolved_by", sa.String(length=48), nullable=True),
        sa.Column("resolved_at", _TIME, nullable=False),
        sa.Column("content_ct", sa.LargeBinary(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=True),
        *_committed(),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_resolutions_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_dispute_resolutions_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_resolutions")),
        sa.UniqueConstraint("dispute_id", name=op.f("uq_dispute_resolutions_dispute_id")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_dispute_resolutions_ledger_index")),
    )


def _changes() -> None:
    _add_reference("deletion_requests", "account_id", "candidate_accounts")

    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reason_code",
                sa.String(length=40),
                server_default="legal_obligation",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("reference", sa.String(length=200), nullable=True))
    op.execute("UPDATE legal_holds SET reference = reason")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.alter_column("reason_code", server_default=None)
        batch_op.drop_column("reason")

    _add_reference("positions", "agency_id", "organisations")


def downgrade() -> None:
    _drop_reference("positions", "agency_id", "organisations")

    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=200), server_default="", nullable=False)
        )
    op.execute("UPDATE legal_holds SET reason = coalesce(reference, reason_code)")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.alter_column("reason", server_default=None)
        batch_op.drop_column("reference")
        batch_op.drop_column("reason_code")

    _drop_reference("deletion_requests", "account_id", "candidate_accounts")

    op.drop_table("dispute_resolutions")
    with op.batch_alter_table("dispute_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_documents_dispute_id"))
    op.drop_table("dispute_documents")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_request_id"))
    op.drop_table("notices")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_status"))
        batch_op.drop_index(batch_op.f("ix_disputes_request_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_due_at"))
    op.drop_table("disputes")
    op.drop_table("decisions")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        for column in (
            "request_id",
            "position_id",
            "employer_id",
            "data_key_id",
            "client_ref_index",
            "candidate_id",
            "agency_id",
            "account_id",
        ):
            batch_op.drop_index(batch_op.f(f"ix_invitations_{column}"))
    op.drop_table("invitations")
    op.drop_table("decision_tallies")
