"""wallet copies with their own status reference; atomic claim reservations

Revision ID: 0005
Revises: 0004

`bindings` (one row per wallet copy) gains the copy's status reference, a device label,
its state (active | revoked) and when it was revoked; existing copies get the reference
every verifier derives for them. `licences` gains the claim reservation (who reserved the
code, and when) and the generation of its current claim code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from licence import copy_status_ref, device_key_digest

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("licences") as batch:
        batch.add_column(sa.Column("claim_reserved_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("claim_reserved_by", sa.LargeBinary(length=16),
                                   nullable=True))
        batch.add_column(sa.Column("claim_generation", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("bindings") as batch:
        batch.add_column(sa.Column("copy_ref", sa.LargeBinary(length=16), nullable=True))
        batch.add_column(sa.Column("device_label", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=16), nullable=False,
                                   server_default="active"))
        batch.add_column(sa.Column("revoked_at", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT b.id, b.device_key, l.status_ref FROM bindings b "
        "JOIN licences l ON l.id = b.licence_id")).all()
    for binding_id, device_key, status_ref in rows:
        ref = copy_status_ref(bytes(status_ref), device_key_digest(bytes(device_key)))
        connection.execute(sa.text("UPDATE bindings SET copy_ref = :ref WHERE id = :id"),
                           {"ref": ref, "id": binding_id})
    op.create_index("ix_bindings_copy_ref", "bindings", ["copy_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_bindings_copy_ref", table_name="bindings")
    with op.batch_alter_table("bindings") as batch:
        for name in ("revoked_at", "state", "device_label", "copy_ref"):
            batch.drop_column(name)
    with op.batch_alter_table("licences") as batch:
        for name in ("claim_generation", "claim_reserved_by", "claim_reserved_at"):
            batch.drop_column(name)
