"""supervision: the off-site checks' cursor, facts, signals and rule-set versions; inspection
visits with their codes, findings and feedback.

Revision ID: 0017_supervision_signals
Revises: 0016_supervision_plan
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_supervision_signals"
down_revision = "0016_supervision_plan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_cursor",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.Column("ruleset", sa.String(length=80), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_cursor")),
    )
    op.create_table(
        "supervision_facts",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_supervision_facts")),
    )
    op.create_index("ix_supervision_facts_due", "supervision_facts", ["due"])
    op.create_table(
        "supervision_signals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("ruleset", sa.String(length=80), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_signals")),
        sa.UniqueConstraint("key", name=op.f("uq_supervision_signals_key")),
    )
    op.create_index("ix_supervision_signals_org", "supervision_signals", ["org", "opened_at"])
    op.create_index("ix_supervision_signals_rule", "supervision_signals", ["rule", "opened_at"])
    op.create_table(
        "supervision_rulesets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commitment_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rulesets")),
        sa.UniqueConstraint("ref", name=op.f("uq_supervision_rulesets_ref")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_supervision_rulesets_ledger_index")),
    )
    op.create_table(
        "inspection_visits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_visits")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_visits_code")),
    )
    op.create_index("ix_inspection_visits_org", "inspection_visits", ["org"])
    op.create_table(
        "inspection_findings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("guidance", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["inspection_visits.id"],
            name=op.f("fk_inspection_findings_visit_id_inspection_visits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_findings")),
    )
    op.create_index(op.f("ix_inspection_findings_visit_id"), "inspection_findings", ["visit_id"])
    op.create_table(
        "inspection_feedback",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("given_by", sa.String(length=80), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["inspection_visits.id"],
            name=op.f("fk_inspection_feedback_visit_id_inspection_visits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_feedback")),
    )
    op.create_index(op.f("ix_inspection_feedback_visit_id"), "inspection_feedback", ["visit_id"])


def downgrade() -> None:
    op.drop_table("inspection_feedback")
    op.drop_table("inspection_findings")
    op.drop_table("inspection_visits")
    op.drop_table("supervision_rulesets")
    op.drop_table("supervision_signals")
    op.drop_table("supervision_facts")
    op.drop_table("supervision_cursor")
