"""Contracts to and from canonical JSON (how a parsed contract is kept in the database)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.domain import (
    Advance,
    Amendment,
    Cap,
    Contract,
    MinimumGuarantee,
    RateRule,
    Terms,
    Tier,
)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def contract_to_json(contract: Contract) -> str:
    return json.dumps(_plain(contract), sort_keys=True, ensure_ascii=False)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _terms(data: dict[str, Any]) -> Terms:
    mg, cap, adv = data["minimum_guarantee"], data["cap"], data["advance"]
    return Terms(
        territories=tuple(data["territories"]),
        channels=tuple(data["channels"]),
        excluded_territories=tuple(data["excluded_territories"]),
        media=tuple(data["media"]),
        category=data["category"],
        exclusive=data["exclusive"],
        agency_commission=_dec(data["agency_commission"]),
        disclosure_required=data["disclosure_required"],
        unauthorized_use_multiplier=Decimal(data["unauthorized_use_multiplier"]),
        retainer=_dec(data["retainer"]),
        minimum_guarantee=mg and MinimumGuarantee(Decimal(mg["amount"]), mg["period"]),
        cap=cap and Cap(Decimal(cap["amount"]), cap["period"]),
        advance=adv and Advance(Decimal(adv["amount"]), date.fromisoformat(adv["paid_on"])),
        rates=tuple(_rate_rule(r) for r in data["rates"]),
    )


_RULE_VALUES: dict[str, Callable[[Any], Any]] = {
    "Decimal": Decimal,
    "Decimal | None": _dec,
    "tuple[Tier, ...]": lambda tiers: tuple(
        Tier(_dec(t["up_to"]), Decimal(t["price"])) for t in tiers
    ),
}


def _rate_rule(data: dict[str, Any]) -> RateRule:
    """A rate rule from its JSON, field by field as ``RateRule`` declares them, so that a rate
    model's new term needs no change here; a field absent from older JSON takes its default."""
    values = {
        f.name: _RULE_VALUES.get(str(f.type), lambda v: v)(data[f.name])
        for f in dataclasses.fields(RateRule)
        if f.name in data
    }
    return RateRule(**values)


def contract_from_json(text: str) -> Contract:
    data = json.loads(text)
    return Contract(
        id=data["id"],
        brand=data["brand"],
        twin=data["twin"],
        currency=data["currency"],
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        terms=_terms(data["terms"]),
        amendments=tuple(
            Amendment(date.fromisoformat(a["effective"]), _terms(a["terms"]))
            for a in data["amendments"]
        ),
        revision=data["revision"],
        content_hash=data["content_hash"],
        source=data["source"],
        payment_days=data.get("payment_days", 30),
    )
