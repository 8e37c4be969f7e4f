"""wallet copies can be refreshed: the time of the newest accepted refresh request

Revision ID: 0010
Revises: 0009

`bindings` gains `refresh_time`, the time a wallet signed into its newest accepted refresh
request; a request must carry a later time, so a recorded one cannot be replayed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bindings") as batch:
        batch.add_column(sa.Column("refresh_time", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bindings") as batch:
        batch.drop_column("refresh_time")
