"""statement journal: every statement once, delivery rows reference it instead of copying it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:20:00

Upgrade moves each outbox statement (its first queued payload) into ``lrs_journal``, marked
routed, and links its delivery rows to it. Downgrade copies payloads back into the delivery
rows; journal entries that have no delivery row (recorded with no destination enabled) have
nowhere to go in the old schema and are dropped with the journal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lrs_client.tables

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "lrs_journal",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("routed_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_journal")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_lrs_journal_statement_id")),
    )
    op.create_index(
        "ix_lrs_journal_unrouted",
        "lrs_journal",
        ["id"],
        unique=False,
        postgresql_where=sa.text("routed_at IS NULL"),
        sqlite_where=sa.text("routed_at IS NULL"),
    )
    # One entry per statement id, from its earliest outbox row (in the order it was queued).
    op.execute(
        """
        INSERT INTO lrs_journal (statement_id, payload, created_at, routed_at)
        SELECT o.statement_id, o.payload, o.created_at, o.created_at
        FROM lrs_outbox o
        WHERE o.id = (SELECT min(f.id) FROM lrs_outbox f WHERE f.statement_id = o.statement_id)
        ORDER BY o.id
        """
    )
    with op.batch_alter_table("lrs_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("journal_id", BigId, nullable=True))
    op.execute(
        """
        UPDATE lrs_outbox SET journal_id =
            (SELECT j.id FROM lrs_journal j WHERE j.statement_id = lrs_outbox.statement_id)
        """
    )
    with op.batch_alter_table("lrs_outbox", schema=None) as batch_op:
        batch_op.alter_column("journal_id", existing_type=BigId, nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_lrs_outbox_journal_id_lrs_journal"),
            "lrs_journal",
            ["journal_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_lrs_outbox_journal_id", ["journal_id"], unique=False)
        batch_op.drop_column("payload")


def downgrade() -> None:
    with op.batch_alter_table("lrs_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
    op.execute(
        """
        UPDATE lrs_outbox SET payload =
            (SELECT j.payload FROM lrs_journal j WHERE j.id = lrs_outbox.journal_id)
        """
    )
    with op.batch_alter_table("lrs_outbox", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.Text(), nullable=False)
        batch_op.drop_index("ix_lrs_outbox_journal_id")
        batch_op.drop_constraint(
            batch_op.f("fk_lrs_outbox_journal_id_lrs_journal"), type_="foreignkey"
        )
        batch_op.drop_column("journal_id")
    op.drop_index(
        "ix_lrs_journal_unrouted",
        table_name="lrs_journal",
        postgresql_where=sa.text("routed_at IS NULL"),
        sqlite_where=sa.text("routed_at IS NULL"),
    )
    op.drop_table("lrs_journal")
