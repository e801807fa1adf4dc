"""HTTP API keys and idempotency records, webhook endpoints and their outbox, consent
withdrawals recorded by `twins revoke`

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("party_type", sa.String(), nullable=False),
        sa.Column("party_id", sa.String(), nullable=False),
        sa.Column("key_sha256", sa.String(), nullable=False),
        _utc("created_at"),
        _utc("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_sha256"),
    )
    op.create_index("ix_api_keys_party_id", "api_keys", ["party_id"])
    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_id", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("request_sha256", sa.String(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("party_id", "idempotency_key"),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("party_type", sa.String(), nullable=False),
        sa.Column("party_id", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("secret", sa.String(), nullable=False),
        sa.Column("events", sa.String(), nullable=False),
        _utc("created_at"),
        _utc("disabled_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_endpoints_party_id", "webhook_endpoints", ["party_id"])
    op.create_table(
        "webhook_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("msg_id", sa.String(), nullable=False),
        sa.Column("endpoint_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("next_attempt_at"),
        _utc("retry_until"),
        _utc("last_attempt_at", nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        _utc("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("msg_id"),
    )
    op.create_index("ix_webhook_messages_endpoint_id", "webhook_messages", ["endpoint_id"])
    op.create_index("ix_webhook_messages_state", "webhook_messages", ["state"])
    op.create_table(
        "twin_revocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("twin", sa.String(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        _utc("recorded_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_twin_revocations_twin", "twin_revocations", ["twin"])


def downgrade() -> None:
    op.drop_table("twin_revocations")
    op.drop_table("webhook_messages")
    op.drop_table("webhook_endpoints")
    op.drop_table("api_idempotency")
    op.drop_table("api_keys")
