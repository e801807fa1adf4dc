"""Ingest: read brands' usage logs (profiles, parsing, validation) and commit them as batches."""
