"""roster: a course's NRPS members and the last fetch, for the instructor's pages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lrs_client.tables

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("user_sub", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("is_learner", sa.Boolean(), nullable=False),
        sa.Column("sort_name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_member")),
        sa.UniqueConstraint(
            "platform_id",
            "context_id",
            "user_sub",
            name=op.f("uq_course_member_platform_id"),
        ),
    )
    op.create_index(
        "ix_course_member_page",
        "course_member",
        ["platform_id", "context_id", "sort_name", "user_sub"],
        unique=False,
    )
    op.create_table(
        "roster_fetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("fetched_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempted_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_fetch")),
        sa.UniqueConstraint("platform_id", "context_id", name=op.f("uq_roster_fetch_platform_id")),
    )


def downgrade() -> None:
    op.drop_table("roster_fetch")
    op.drop_index("ix_course_member_page", table_name="course_member")
    op.drop_table("course_member")
