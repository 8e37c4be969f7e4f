"""four-eyes approval of key and operator changes: a policy flag

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approval_policies") as table:
        table.add_column(sa.Column("key_changes", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("approval_policies") as table:
        table.drop_column("key_changes")
