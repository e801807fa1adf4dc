"""issued files: the sha256 of every statement PDF the ledger rendered

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_files",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("statement_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_issued_files_statement_id", "issued_files", ["statement_id"])


def downgrade() -> None:
    op.drop_index("ix_issued_files_statement_id", table_name="issued_files")
    op.drop_table("issued_files")
