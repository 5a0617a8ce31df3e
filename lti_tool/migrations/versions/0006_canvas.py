"""canvas: allowed frame origins per platform (Canvas frames tools from the school's domain);
token audiences that are not URLs cleared

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("platform", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("frame_origins", sa.Text(), nullable=True))
    # A bare-host audience (Canvas's authorization_server, stored by dynamic registration)
    # is refused by Canvas: the token URL is the audience again.
    op.execute(
        "UPDATE platform SET auth_token_audience = NULL WHERE auth_token_audience IS NOT NULL"
        " AND auth_token_audience NOT LIKE 'https://%' AND auth_token_audience NOT LIKE 'http://%'"
    )


def downgrade() -> None:
    with op.batch_alter_table("platform", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("frame_origins")
