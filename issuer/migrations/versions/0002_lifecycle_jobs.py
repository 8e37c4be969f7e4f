"""lifecycle jobs: one row per revoke/suspend/reinstate/replace/renew request; status
changes point at their job; licences record when their status last changed (for purge)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lifecycle_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Integer(), nullable=False),
        sa.Column("until", sa.BigInteger(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("refusals", sa.JSON(), nullable=False),
        sa.Column("out_dir", sa.String(length=1024), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("authority_id", "action", "request_key",
                            name="uq_lifecycle_request"),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_status_changes_job", "lifecycle_jobs", ["job_id"],
                                    ["id"])
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_changed_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_column("status_changed_at")
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_constraint("fk_status_changes_job", type_="foreignkey")
        batch_op.drop_column("job_id")
    op.drop_table("lifecycle_jobs")
