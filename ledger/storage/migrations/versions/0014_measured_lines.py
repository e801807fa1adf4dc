"""measured_lines: quantities per priced line of every month a close measured, the basis of the
next incremental settlement; measure_snapshots: what they were measured with, and the digest of
the close's index of first renders

Revision ID: 0014
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measure_snapshots",
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("reference_sha256", sa.String(), nullable=False),
        sa.Column("renders_sha256", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "measured_lines",
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("month", sa.String(), nullable=False),
        sa.Column("brand", sa.String(), nullable=False),
        sa.Column("vkey", sa.String(), nullable=False),
        sa.Column("rule_no", sa.Integer(), nullable=False),
        sa.Column("oos", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.String(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("period", "month", "vkey", "rule_no", "oos"),
    )


def downgrade() -> None:
    op.drop_table("measured_lines")
    op.drop_table("measure_snapshots")
