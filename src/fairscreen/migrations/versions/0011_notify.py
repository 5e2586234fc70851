"""notify: the outbox seals what waits to go out (recipient and parameters under the platform's
data key, ``notify_keys``) and keeps a delivery log (``outbox_attempts``, the transport's
answer code); organisations' webhook endpoints with sealed signing secrets.

Messages written before this revision held their recipient and parameters in the clear and no
worker ever delivered them (one-time codes, long expired): they are marked failed and emptied,
and the plain ``recipient`` column is dropped. The new sealed columns are kept out of
PostgreSQL's planner statistics (see 0004_secret_statistics).

Revision ID: 0011_notify
Revises: 0010_feedback
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_notify"
down_revision = "0010_feedback"
branch_labels = None
depends_on = None

NEW_SECRET_COLUMNS = (("webhook_endpoints", "secret_ct"), ("outbox", "sealed"))


def upgrade() -> None:
    op.create_table(
        "notify_keys",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("data_key_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_notify_keys_data_key_id_data_keys")
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notify_keys")),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("data_key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=48), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_webhook_endpoints_data_key_id_data_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_endpoints_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_endpoints_organisation_id"), ["organisation_id"], unique=False
        )

    outbox = sa.table(
        "outbox",
        sa.column("status", sa.String()),
        sa.column("params", sa.JSON()),
        sa.column("recipient", sa.String()),
    )
    op.execute(
        outbox.update()
        .where(outbox.c.status == "pending")
        .values(status="failed", params=None, recipient=None)
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="zh-Hant")
        )
        batch_op.add_column(sa.Column("endpoint_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("data_key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("answer", sa.String(length=40), nullable=True))
        batch_op.drop_index(batch_op.f("ix_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_endpoint_id"), ["endpoint_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_endpoint_id_webhook_endpoints"),
            "webhook_endpoints",
            ["endpoint_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_data_key_id_data_keys"), "data_keys", ["data_key_id"], ["id"]
        )
        batch_op.drop_column("recipient")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("language", server_default=None)

    op.create_table(
        "outbox_attempts",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_attempts_message_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "number", name=op.f("pk_outbox_attempts")),
    )

    if op.get_bind().dialect.name == "postgresql":
        for table, column in NEW_SECRET_COLUMNS:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 0')


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient", sa.String(length=320), nullable=True))
        batch_op.drop_constraint(batch_op.f("fk_outbox_data_key_id_data_keys"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_endpoint_id_webhook_endpoints"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_endpoint_id"))
        batch_op.drop_index("ix_outbox_due")
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.drop_column("answer")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("sealed")
        batch_op.drop_column("data_key_id")
        batch_op.drop_column("endpoint_id")
        batch_op.drop_column("language")
    op.drop_table("outbox_attempts")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_organisation_id"))
    op.drop_table("webhook_endpoints")
    op.drop_table("notify_keys")
