"""reflection: reflections, their history, reactions, replies, private replies, content
ratings, peer reveals, nudges; placement settings and their change history

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:19:50.038138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lrs_client.tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("stars", sa.SmallInteger(), nullable=False),
        sa.Column("why", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_content_rating_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_rating")),
        sa.UniqueConstraint(
            "placement_id", "platform_id", "sub", name=op.f("uq_content_rating_placement_id")
        ),
    )
    op.create_table(
        "placement_setting_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("changed_by_platform_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_sub", sa.String(length=255), nullable=False),
        sa.Column("changed_by_name", sa.String(length=255), nullable=True),
        sa.Column("changed_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_placement_setting_change_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_setting_change")),
    )
    with op.batch_alter_table("placement_setting_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_setting_change_placement_id"),
            ["placement_id", "changed_at"],
            unique=False,
        )

    op.create_table(
        "reflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("author_platform_id", sa.Integer(), nullable=False),
        sa.Column("author_sub", sa.String(length=255), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("featured_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("featured_by_sub", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_reflection_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection")),
        sa.UniqueConstraint(
            "placement_id",
            "author_platform_id",
            "author_sub",
            "client_token",
            name=op.f("uq_reflection_placement_id"),
        ),
    )
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reflection_peers_page", ["placement_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reflection_placement_id"),
            ["placement_id", "author_platform_id", "author_sub"],
            unique=False,
        )

    op.create_table(
        "reflection_nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("learner_platform_id", sa.Integer(), nullable=False),
        sa.Column("learner_sub", sa.String(length=255), nullable=False),
        sa.Column("staff_sub", sa.String(length=255), nullable=False),
        sa.Column("staff_name", sa.String(length=255), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("shown_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_reflection_nudge_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_nudge")),
    )
    with op.batch_alter_table("reflection_nudge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflection_nudge_placement_id"),
            ["placement_id", "learner_platform_id", "learner_sub"],
            unique=False,
        )

    op.create_table(
        "reflection_private_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("staff_platform_id", sa.Integer(), nullable=False),
        sa.Column("staff_sub", sa.String(length=255), nullable=False),
        sa.Column("staff_name", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_reflection_private_reply_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflection.id"],
            name=op.f("fk_reflection_private_reply_reflection_id_reflection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_private_reply")),
    )
    with op.batch_alter_table("reflection_private_reply", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflection_private_reply_reflection_id"),
            ["reflection_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "reflection_reaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_reflection_reaction_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflection.id"],
            name=op.f("fk_reflection_reaction_reflection_id_reflection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_reaction")),
        sa.UniqueConstraint(
            "reflection_id",
            "platform_id",
            "sub",
            "kind",
            name=op.f("uq_reflection_reaction_reflection_id"),
        ),
    )
    with op.batch_alter_table("reflection_reaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflection_reaction_placement_id"),
            ["placement_id", "platform_id", "sub"],
            unique=False,
        )

    op.create_table(
        "reflection_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("author_platform_id", sa.Integer(), nullable=False),
        sa.Column("author_sub", sa.String(length=255), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_reflection_reply_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflection.id"],
            name=op.f("fk_reflection_reply_reflection_id_reflection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_reply")),
    )
    with op.batch_alter_table("reflection_reply", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflection_reply_placement_id"),
            ["placement_id", "author_platform_id", "author_sub"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_reflection_reply_reflection_id"),
            ["reflection_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "reflection_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("by_platform_id", sa.Integer(), nullable=False),
        sa.Column("by_sub", sa.String(length=255), nullable=False),
        sa.Column("after_reveal", sa.Boolean(), nullable=False),
        sa.Column("created_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflection.id"],
            name=op.f("fk_reflection_revision_reflection_id_reflection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_revision")),
        sa.UniqueConstraint(
            "reflection_id", "number", name=op.f("uq_reflection_revision_reflection_id")
        ),
    )
    op.create_table(
        "reflection_peer_reveal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("revealed_at", lrs_client.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_reflection_peer_reveal_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["reflection_revision.id"],
            name=op.f("fk_reflection_peer_reveal_revision_id_reflection_revision"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_peer_reveal")),
        sa.UniqueConstraint(
            "placement_id",
            "platform_id",
            "sub",
            name=op.f("uq_reflection_peer_reveal_placement_id"),
        ),
    )
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settings", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_column("settings")

    op.drop_table("reflection_peer_reveal")
    op.drop_table("reflection_revision")
    with op.batch_alter_table("reflection_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_reply_reflection_id"))
        batch_op.drop_index(batch_op.f("ix_reflection_reply_placement_id"))

    op.drop_table("reflection_reply")
    with op.batch_alter_table("reflection_reaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_reaction_placement_id"))

    op.drop_table("reflection_reaction")
    with op.batch_alter_table("reflection_private_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_private_reply_reflection_id"))

    op.drop_table("reflection_private_reply")
    with op.batch_alter_table("reflection_nudge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_nudge_placement_id"))

    op.drop_table("reflection_nudge")
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_placement_id"))
        batch_op.drop_index("ix_reflection_peers_page")

    op.drop_table("reflection")
    with op.batch_alter_table("placement_setting_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_setting_change_placement_id"))

    op.drop_table("placement_setting_change")
    op.drop_table("content_rating")
