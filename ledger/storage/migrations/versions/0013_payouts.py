"""parties: bank accounts (iban, bic) of talents and agencies; payout_runs: the payout runs of
closed periods and their state

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("talents", "agencies"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("iban", sa.String(), nullable=True))
            batch.add_column(sa.Column("bic", sa.String(), nullable=True))
    op.create_table(
        "payout_runs",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("period", sa.String(), nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payer_account", sa.String(), nullable=False),
        sa.Column("sepa_file", sa.String(), nullable=True),
        sa.Column("sepa_sha256", sa.String(), nullable=True),
        sa.Column("manual_file", sa.String(), nullable=True),
        sa.Column("manual_sha256", sa.String(), nullable=True),
        sa.Column("transfers", sa.Text(), nullable=False),
        sa.Column("totals", sa.Text(), nullable=False),
        sa.UniqueConstraint("period", "number"),
    )


def downgrade() -> None:
    op.drop_table("payout_runs")
    for table in ("agencies", "talents"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("bic")
            batch.drop_column("iban")
