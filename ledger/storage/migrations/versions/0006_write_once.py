"""write once: idempotency keys of adjustments; the verification code of each issued file

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification_code", sa.String(), nullable=True))
        batch_op.create_index(
            "ix_issued_files_verification_code", ["verification_code"], unique=False
        )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("request_sha256", sa.String(), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_seq"], ["journal_entries.seq"]),
        sa.PrimaryKeyConstraint("key"),
        sa.UniqueConstraint("entry_seq"),
    )
    op.create_index("ix_idempotency_keys_request_sha256", "idempotency_keys", ["request_sha256"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_request_sha256", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("issued_files", schema=None) as batch_op:
        batch_op.drop_index("ix_issued_files_verification_code")
        batch_op.drop_column("verification_code")
