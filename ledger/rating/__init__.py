"""Rating (SPEC 3): measure usage per priced line in DuckDB, then price the quantities."""
