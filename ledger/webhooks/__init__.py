"""Webhooks: messages about changes to the ledger, written to an outbox in the transaction that
makes the change (``outbox``) and sent to each party's endpoints, signed per Standard Webhooks,
by a worker that retries (``delivery``)."""
