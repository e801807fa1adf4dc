"""Payout runs (SPEC 4.4, 6): after a period is closed, pay every talent and agency its payable
in one SEPA credit-transfer file (pain.001.001.03) and a list of manual payments, and follow the
money through the journal: ``payouts:due`` -> ``payouts:in-transit`` (run created) ->
``bank:<payer>`` (run confirmed)."""
