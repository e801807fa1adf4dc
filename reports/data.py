"""Reading statement documents: decimals from strings, sums per currency, FX lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ledger.money import dec

Doc = Mapping[str, Any]


def num(row: Mapping[str, Any] | None, key: str) -> Decimal:
    """The decimal at ``row[key]``; a missing or empty value is zero. Floats are refused."""
    value = (row or {}).get(key)
    return Decimal(0) if value is None or value == "" else dec(value)


def items(doc: Doc, key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def section(doc: Doc, key: str) -> Mapping[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, Mapping) else {}


def by_currency(rows: Iterable[Mapping[str, Any]], key: str) -> dict[str, Decimal]:
    """Sum ``key`` per row currency, in first-seen order."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        currency = str(row.get("currency") or "")
        totals[currency] = totals.get(currency, Decimal(0)) + num(row, key)
    return totals


def corrections(rows: Iterable[Mapping[str, Any]], key: str) -> dict[str, Decimal]:
    """Sum ``key`` over each row's prior-period adjustments, per row currency (non-zero only)."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        currency = str(row.get("currency") or "")
        for adjustment in items(row, "prior_period_adjustments"):
            totals[currency] = totals.get(currency, Decimal(0)) + num(adjustment, key)
    return {c: t for c, t in totals.items() if t}


def fx_rate(contract: Mapping[str, Any], summary: Mapping[str, Any], to: str) -> Decimal | None:
    """Rate from the contract's currency to ``to``: the contract's own, else the summary's."""
    source = str(contract.get("currency") or "")
    if source == to:
        return Decimal(1)
    fx = contract.get("fx")
    if isinstance(fx, Mapping) and fx.get("rate") not in (None, ""):
        return dec(fx["rate"])
    for rate in summary.get("fx_rates") or []:
        if isinstance(rate, Mapping) and rate.get("from") == source and rate.get("to") == to:
            return dec(rate["rate"])
    return None


def party(doc: Doc) -> Mapping[str, Any]:
    return section(doc, "party")


def is_draft(doc: Doc) -> bool:
    return str(doc.get("status") or "draft").lower() != "closed"
