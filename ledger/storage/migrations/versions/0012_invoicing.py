"""parties: legal name, address, VAT id and VAT registration; document_numbers: the invoice
and credit note number series (one counter per issuer, kind and year)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LEGAL = ("legal_name", "address", "vat_id")


def upgrade() -> None:
    for table in ("agencies", "talents", "brands"):
        with op.batch_alter_table(table) as batch:
            for name in LEGAL:
                batch.add_column(sa.Column(name, sa.String(), nullable=True))
            if table != "brands":
                batch.add_column(
                    sa.Column(
                        "tax_registered", sa.Boolean(), nullable=False, server_default=sa.false()
                    )
                )
    op.create_table(
        "document_numbers",
        sa.Column("series", sa.String(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("series"),
    )


def downgrade() -> None:
    op.drop_table("document_numbers")
    for table in ("agencies", "talents", "brands"):
        with op.batch_alter_table(table) as batch:
            if table != "brands":
                batch.drop_column("tax_registered")
            for name in reversed(LEGAL):
                batch.drop_column(name)
