"""Documents rendered from ledger data: PDF statements and spreadsheet exports."""
