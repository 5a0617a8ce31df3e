"""grading: the participation-score queue (one row per placement and learner)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lrs_client.tables

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = lrs_client.tables.UtcDateTime(timezone=True)
    op.create_table(
        "grade_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_sub", sa.String(length=255), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", moment, nullable=True),
        sa.Column("claimed_until", moment, nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.Column("sent_at", moment, nullable=True),
        sa.Column("score_timestamp", moment, nullable=True),
        sa.Column("endpoint", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("resource_link_id", sa.String(length=255), nullable=True),
        sa.Column("line_item_url", sa.Text(), nullable=True),
        sa.Column("queued_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_grade_queue_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_queue")),
        sa.UniqueConstraint(
            "placement_id", "platform_id", "user_sub", name=op.f("uq_grade_queue_placement_id")
        ),
    )
    op.create_index(
        op.f("ix_grade_queue_status"), "grade_queue", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_grade_queue_status"), table_name="grade_queue")
    op.drop_table("grade_queue")
