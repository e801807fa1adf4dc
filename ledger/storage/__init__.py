"""Storage: relational state (SQLModel) and the Parquet event store."""
