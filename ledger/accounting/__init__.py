"""The journal for accounting systems: `journal export` as beancount or CSV, optionally mapped
to a chart of accounts (docs/accounting.md)."""
