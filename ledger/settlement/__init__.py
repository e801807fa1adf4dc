"""Settlement (SPEC 4): periods, contract economics, positions, journal postings."""
