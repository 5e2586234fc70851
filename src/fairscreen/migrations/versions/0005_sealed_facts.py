"""sealed facts: every fact about a person sealed or blind-indexed, rows that name their ledger
entry, no per-person outcome outside the sealed report, report tallies

- candidates: the client's reference only sealed (``external_ref_ct``) and blind-indexed
  (``external_ref_index``); no tombstone (``erased_at``): erasure deletes the row;
- consents: no client reference (a consent is recognised by its digest), no ``revoked_at``
  (revocations are their own committed rows);
- findings: gone as a table; the findings are sealed inside the report;
- reports: versioned, everything they say sealed in ``content_ct``;
- source_queries: no record count (it is in the sealed report);
- every committed table: ``ledger_index`` (not null, unique), checked by ``ledger verify``;
- report_tallies: the regulator's statistics as anonymous counts.

The ledger's entry format changes with it (version 2), and rows written under the old format
cannot be converted without their data keys and the old entries, so this revision refuses a
database that already holds screenings or ledger entries (``SchemaError``).

Revision ID: 0005_sealed_facts
Revises: 0004_secret_statistics
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fairscreen.kit.db import SchemaError

revision = "0005_sealed_facts"
down_revision = "0004_secret_statistics"
branch_labels = None
depends_on = None


def _refuse_data(direction: str) -> None:
    bind = op.get_bind()
    entries = bind.execute(sa.text("SELECT size FROM ledger_state")).scalar() or 0
    people = bind.execute(sa.text("SELECT count(*) FROM candidates")).scalar() or 0
    if entries or people:
        raise SchemaError(
            f"this database holds {people} candidate(s) and {entries} ledger entries in the "
            f"format of fairscreen 0.1, which the {direction} to revision 0005_sealed_facts "
            "cannot convert (the new format seals every fact under the candidates' data keys "
            "and changes the ledger's entries). Keep this database with the version that wrote "
            "it, and point FAIRSCREEN_DATA_DIR or FAIRSCREEN_DATABASE_URL at a new one"
        )


# New secret columns (``Sealed``, ``BlindIndex``): out of PostgreSQL's planner statistics from
# the start (see 0004_secret_statistics).
NEW_SECRET_COLUMNS = (
    ("candidates", "external_ref_index"),
    ("candidates", "external_ref_ct"),
    ("reports", "content_ct"),
)


def upgrade() -> None:
    _refuse_data("upgrade")
    _upgrade_tables()
    if op.get_bind().dialect.name == "postgresql":
        for table, column in NEW_SECRET_COLUMNS:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 0')


def _upgrade_tables() -> None:
    op.create_table(
        "report_tallies",
        sa.Column("employer_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("ruleset", sa.String(length=40), nullable=False),
        sa.Column("light", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_report_tallies_employer_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "employer_id", "month", "ruleset", "light", "rule", name=op.f("pk_report_tallies")
        ),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_request_id"))

    op.drop_table("findings")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("external_ref_index", sa.LargeBinary(length=32), nullable=False)
        )
        batch_op.add_column(sa.Column("external_ref_ct", sa.LargeBinary(), nullable=False))
        batch_op.alter_column("data_key_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("id_number_index", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("name_ct", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("id_document_ct", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("birth_date_ct", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("claims_ct", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("subject_ref", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_index(batch_op.f("ix_candidates_erased_at"))
        batch_op.drop_constraint(batch_op.f("uq_candidates_external_ref"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_candidates_external_ref_index"), ["external_ref_index"]
        )
        batch_op.drop_constraint(
            batch_op.f("fk_candidates_data_key_id_data_keys"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidates_data_key_id_data_keys"), "data_keys", ["data_key_id"], ["id"]
        )
        batch_op.drop_column("external_ref")
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_index", sa.BigInteger(), nullable=False))
        batch_op.create_unique_constraint(
            batch_op.f("uq_check_requests_ledger_index"), ["ledger_index"]
        )

    with op.batch_alter_table("consent_revocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_index", sa.BigInteger(), nullable=False))
        batch_op.create_unique_constraint(
            batch_op.f("uq_consent_revocations_ledger_index"), ["ledger_index"]
        )

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_consents_external_ref"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_consents_candidate_id"), ["candidate_id", "digest"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_consents_ledger_index"), ["ledger_index"])
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("external_ref")

    with op.batch_alter_table("deletion_requests", schema=None) as batch_op:
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_deletion_requests_ledger_index"), ["ledger_index"]
        )

    with op.batch_alter_table("deletion_resolutions", schema=None) as batch_op:
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_deletion_resolutions_ledger_index"), ["ledger_index"]
        )

    with op.batch_alter_table("destruction_certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_index", sa.BigInteger(), nullable=False))
        batch_op.create_unique_constraint(
            batch_op.f("uq_destruction_certificates_ledger_index"), ["ledger_index"]
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column("content_ct", sa.LargeBinary(), nullable=False))
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_reports_request_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_reports_request_id"), ["request_id", "version"]
        )
        batch_op.create_index(batch_op.f("ix_reports_request_id"), ["request_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_reports_ledger_index"), ["ledger_index"])
        batch_op.drop_column("light")
        batch_op.drop_column("excluded")
        batch_op.drop_column("not_checked")
        batch_op.drop_column("reasons")

    with op.batch_alter_table("source_queries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_index", sa.BigInteger(), nullable=False))
        batch_op.create_unique_constraint(
            batch_op.f("uq_source_queries_ledger_index"), ["ledger_index"]
        )
        batch_op.drop_column("records")


def downgrade() -> None:
    _refuse_data("downgrade")
    with op.batch_alter_table("source_queries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("records", sa.Integer(), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_source_queries_ledger_index"), type_="unique")
        batch_op.drop_column("ledger_index")

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column("not_checked", sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column("excluded", sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column("light", sa.String(length=8), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_reports_ledger_index"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_reports_request_id"))
        batch_op.drop_constraint(batch_op.f("uq_reports_request_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_reports_request_id"), ["request_id"])
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=True)
        batch_op.drop_column("content_ct")
        batch_op.drop_column("version")

    with op.batch_alter_table("destruction_certificates", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_destruction_certificates_ledger_index"), type_="unique"
        )
        batch_op.drop_column("ledger_index")

    with op.batch_alter_table("deletion_resolutions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_deletion_resolutions_ledger_index"), type_="unique")
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=True)

    with op.batch_alter_table("deletion_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_deletion_requests_ledger_index"), type_="unique")
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=True)

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_consents_ledger_index"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_consents_candidate_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_consents_external_ref"), ["external_ref"])
        batch_op.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=True)

    with op.batch_alter_table("consent_revocations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_consent_revocations_ledger_index"), type_="unique")
        batch_op.drop_column("ledger_index")

    with op.batch_alter_table("check_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_check_requests_ledger_index"), type_="unique")
        batch_op.drop_column("ledger_index")

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("external_ref", sa.String(length=64), nullable=False))
        batch_op.drop_constraint(
            batch_op.f("fk_candidates_data_key_id_data_keys"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidates_data_key_id_data_keys"),
            "data_keys",
            ["data_key_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint(batch_op.f("uq_candidates_external_ref_index"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_candidates_external_ref"), ["external_ref"]
        )
        batch_op.create_index(
            batch_op.f("ix_candidates_erased_at"), ["erased_at", "retain_until"], unique=False
        )
        batch_op.alter_column("subject_ref", existing_type=sa.String(length=32), nullable=True)
        batch_op.alter_column("claims_ct", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("birth_date_ct", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("id_document_ct", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("name_ct", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("id_number_index", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("data_key_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.drop_column("external_ref_ct")
        batch_op.drop_column("external_ref_index")

    op.create_table(
        "findings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=140), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("subtype", sa.String(length=40), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("ongoing", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("authoritative", sa.Boolean(), nullable=False),
        sa.Column("exclusion", sa.String(length=40), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("detail_ct", sa.LargeBinary(), nullable=True),
        sa.Column("commitment_salt", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_findings_request_id_check_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_request_id"), ["request_id"], unique=False)

    op.drop_table("report_tallies")
