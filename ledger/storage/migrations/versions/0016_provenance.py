"""asset_credentials: what the content credentials (C2PA) of each verified brand asset say;
consents: the talents' consent documents for their twins

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_credentials",
        sa.Column("brand", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("asset_id", sa.String(), nullable=False, index=True),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("ai_generated", sa.Boolean(), nullable=False),
        sa.Column("signer", sa.String(), nullable=True),
        sa.Column("signer_issuer", sa.String(), nullable=True),
        sa.Column("claim_generator", sa.String(), nullable=True),
        sa.Column("digital_source_type", sa.String(), nullable=True),
        sa.Column("ai_assertion", sa.String(), nullable=True),
        sa.Column("manifest_label", sa.String(), nullable=True),
        sa.Column("failures", sa.String(), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("brand", "sha256"),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("twin", sa.String(), nullable=False, index=True),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("rate_basis", sa.String(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("document_sha256", sa.String(), nullable=False),
        sa.Column("territories", sa.String(), nullable=False),
        sa.Column("channels", sa.String(), nullable=False),
        sa.Column("media", sa.String(), nullable=False),
        sa.Column("categories", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_table("asset_credentials")
