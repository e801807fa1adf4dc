"""measure_snapshots.economics_terms: what the economics of each contract read of the parties at
the close (talent, withholding rate, agency, commission rate), so that a later incremental
settlement carries the issued figures of months nothing changed since; measure_snapshots.
lines_sha256: of the Parquet file that now keeps the close's measured quantities

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measure_snapshots") as batch:
        batch.add_column(sa.Column("economics_terms", sa.Text(), nullable=True))
        batch.add_column(sa.Column("lines_sha256", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measure_snapshots") as batch:
        batch.drop_column("lines_sha256")
        batch.drop_column("economics_terms")
