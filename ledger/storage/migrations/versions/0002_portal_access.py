"""statement portal: sign-in grants, sessions and the access log

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_grants",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("party_type", sa.String(), nullable=False),
        sa.Column("party_id", sa.String(), nullable=False),
        sa.Column("token_sha256", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_portal_grants_party_id", "portal_grants", ["party_id"])
    op.create_table(
        "portal_sessions",
        sa.Column("id_sha256", sa.String(), nullable=False),
        sa.Column("grant_id", sa.String(), nullable=False),
        sa.Column("party_type", sa.String(), nullable=False),
        sa.Column("party_id", sa.String(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id_sha256"),
    )
    op.create_index("ix_portal_sessions_grant_id", "portal_sessions", ["grant_id"])
    op.create_table(
        "portal_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("party_type", sa.String(), nullable=False),
        sa.Column("party_id", sa.String(), nullable=False),
        sa.Column("grant_id", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=True),
        sa.Column("document", sa.String(), nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_access_log_at", "portal_access_log", ["at"])
    op.create_index("ix_portal_access_log_party_id", "portal_access_log", ["party_id"])


def downgrade() -> None:
    op.drop_index("ix_portal_access_log_party_id", table_name="portal_access_log")
    op.drop_index("ix_portal_access_log_at", table_name="portal_access_log")
    op.drop_table("portal_access_log")
    op.drop_index("ix_portal_sessions_grant_id", table_name="portal_sessions")
    op.drop_table("portal_sessions")
    op.drop_index("ix_portal_grants_party_id", table_name="portal_grants")
    op.drop_table("portal_grants")
