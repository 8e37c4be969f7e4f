"""four-eyes approval: per-authority policies and the requests held for a second operator

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_policies",
        sa.Column("authority_id", sa.String(64), primary_key=True),
        sa.Column("issue_rows_over", sa.Integer(), nullable=True),
        sa.Column("revoke_over", sa.Integer(), nullable=True),
        sa.Column("purges", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("authority_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_approval_requests_state", "approval_requests",
                    ["authority_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_approval_requests_state", table_name="approval_requests")
    op.drop_table("approval_requests")
    op.drop_table("approval_policies")
