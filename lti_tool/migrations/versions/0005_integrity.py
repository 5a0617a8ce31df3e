"""integrity: placements found per course and link (copies), grading on the placement,
pending placements, platforms deactivated rather than deleted, a change counter for CSP

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # recreate="never": on SQLite a recreated placement table would be dropped with foreign
    # keys on, and that drop cascades to every grade record (SQLite ≥ 3.35 drops columns).
    with op.batch_alter_table("placement", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("grading", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("score_maximum", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("first_launched_at", sa.DateTime(timezone=True), nullable=True)
        )
        # The launch's own AGS claims say where a score goes; a stored URL sent a course
        # copy's grades to the original course.
        batch_op.drop_column("lineitem_url")
    # A plain column, no foreign key: SQLite cannot add one without recreating the table
    # (see above); the cleanup command unlinks copies itself.
    op.add_column("placement", sa.Column("origin_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_placement_origin_id"), "placement", ["origin_id"], unique=False)
    op.create_index(
        "ux_placement_link",
        "placement",
        ["platform_id", "context_id", "resource_link_id"],
        unique=True,
    )
    # Placements launched before this release are not pending.
    op.execute(
        "UPDATE placement SET first_launched_at = created_at WHERE resource_link_id IS NOT NULL"
    )
    with op.batch_alter_table("platform", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    counter = op.create_table(
        "change_counter",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(counter, [{"name": "platforms", "value": 0}])


def downgrade() -> None:
    op.drop_table("change_counter")
    with op.batch_alter_table("platform", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("deactivated_at")
    op.drop_index("ux_placement_link", table_name="placement")
    op.drop_index(op.f("ix_placement_origin_id"), table_name="placement")
    with op.batch_alter_table("placement", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("lineitem_url", sa.String(length=1024), nullable=True))
        batch_op.drop_column("first_launched_at")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("score_maximum")
        batch_op.drop_column("grading")
