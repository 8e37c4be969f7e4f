"""audit log: the authority's hash-chained record of issuer-side actions, an index of the
licence numbers each entry names, and the last head anchored on chain

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("authority_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(128), nullable=False),
        sa.Column("case_number", sa.String(128), nullable=True),
        sa.Column("licences", sa.JSON(), nullable=False),
        sa.Column("licence_count", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("tx_hashes", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.UniqueConstraint("authority_id", "sequence", name="uq_audit_sequence"),
    )
    op.create_table(
        "audit_licences",
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("audit_entries.id"),
                  primary_key=True),
        sa.Column("licence_number", sa.String(64), primary_key=True),
    )
    op.create_index("ix_audit_licences_number", "audit_licences", ["licence_number"])
    op.create_table(
        "audit_anchors",
        sa.Column("authority_id", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("head", sa.LargeBinary(32), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_anchors")
    op.drop_index("ix_audit_licences_number", table_name="audit_licences")
    op.drop_table("audit_licences")
    op.drop_table("audit_entries")
