"""batches: rows skipped by a profile's drop rules, rows that restate stored events, and
conflicting rows (stored with different content, counted among the duplicates)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("skipped", "restated", "conflicts")


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
