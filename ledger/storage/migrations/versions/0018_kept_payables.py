"""measure_snapshots.journal_seq and payables: the talent and agency payable balances a close
keeps (over the journal up to its head, of periods up to its own), from which the next
settlement sums its opening balances on instead of re-reading the whole journal

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measure_snapshots") as batch:
        batch.add_column(sa.Column("journal_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("payables", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measure_snapshots") as batch:
        batch.drop_column("payables")
        batch.drop_column("journal_seq")
