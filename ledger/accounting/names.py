"""Beancount account names for twinledger accounts.

A twinledger account is ``kind:component:...`` (``talent:liv-s:payable``); beancount wants a
capitalised root (Assets, Liabilities, Equity, Income, Expenses) and components that start
with a capital letter or digit and hold only letters, digits and hyphens. Each kind has a place
under a root; each component is the id with its first letter capitalised. Party ids are
lowercase slugs, so lowercasing a component gives the id back; every account's ``open``
directive also carries the twinledger name as metadata (``twinledger``), which is the exact
reverse for any name.
"""

from __future__ import annotations

import re

ROOTS: dict[str, tuple[str, ...]] = {
    "brand": ("Assets", "Receivable", "Brands"),
    "bank": ("Assets", "Bank"),
    "talent": ("Liabilities", "Payable", "Talents"),
    "agency": ("Liabilities", "Payable", "Agencies"),
    "withholding": ("Liabilities", "Withholding", "Talents"),
    "payouts": ("Liabilities", "Payouts"),
    "fx": ("Equity", "Fx"),
    "adjustments": ("Expenses", "Adjustments"),
}
OTHER = ("Equity", "Other")
_INVALID = re.compile(r"[^A-Za-z0-9-]")


def component(text: str) -> str:
    """A valid beancount component: letters, digits and hyphens, starting with a capital or a
    digit (``liv-s`` -> ``Liv-s``, ``in_transit`` -> ``In-transit``)."""
    cleaned = _INVALID.sub("-", text) or "X"
    if not cleaned[0].isalnum():
        cleaned = "X" + cleaned
    return cleaned[0].upper() + cleaned[1:]


def beancount_account(account: str) -> str:
    """``talent:liv-s:payable`` -> ``Liabilities:Payable:Talents:Liv-s:Payable``."""
    kind, *rest = account.split(":")
    if kind in ROOTS:
        parts = list(ROOTS[kind]) + [component(p) for p in rest]
    else:
        parts = list(OTHER) + [component(p) for p in [kind, *rest]]
    if len(parts) == 2:
        parts.append("Main")
    return ":".join(parts)
