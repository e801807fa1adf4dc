"""Faults found by an adversarial run against the ledger, kept as tests."""
