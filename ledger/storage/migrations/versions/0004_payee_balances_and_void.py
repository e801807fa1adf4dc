"""agencies: min_payout (smaller commission balances carry forward, as for talents);
batches: who withdrew a batch, when and why (`batches void`)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import ledger.storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(
            sa.Column(
                "min_payout",
                ledger.storage.types.Money(precision=38, scale=12),
                nullable=False,
                server_default="0",
            )
        )

    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(), nullable=True))
        batch.add_column(sa.Column("voided_by", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("voided_by")
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("min_payout")
