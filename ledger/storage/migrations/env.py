"""Alembic environment: migrations run on the connection the ledger hands over."""

from alembic import context
from sqlmodel import SQLModel

import ledger.storage.access_tables  # registers the portal's tables on the metadata
import ledger.storage.api_tables  # registers the API's and webhooks' tables
import ledger.storage.tables  # noqa: F401  (registers the ledger's tables on the metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
