"""batch regions: the scope region each batch is declared under when it is anchored, so a
batch signed before a crash is anchored under the same region when the job resumes

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for batches stored before: they are anchored under the authority's widest scope.
    op.add_column("batches", sa.Column("region", sa.String(length=6), nullable=True))


def downgrade() -> None:
    op.drop_column("batches", "region")
