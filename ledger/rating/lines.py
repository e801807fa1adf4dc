"""Price measured quantities into rated lines (SPEC 3 step 5, SPEC 4.2 step 1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ledger.domain import Contract, ContractVersion, RateRule
from ledger.money import format_amount, round_money
from ledger.period import Period
from ledger.pricing import price


@dataclass(frozen=True)
class RatedLine:
    """One rate rule of one contract version in one month, priced and rounded once."""

    line_id: str
    period: str
    contract: str
    revision: int
    version_no: int
    rule_no: int
    metric: str
    channel: str
    media: str
    out_of_scope: bool
    quantity: Decimal
    events: int
    currency: str
    amount: Decimal  # rounded to the currency's minor unit
    rate: str  # human description of the rule's price
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "metric": self.metric,
            "channel": self.channel,
            "media": self.media,
            "quantity": _qty(self.quantity),
            "amount": format_amount(self.amount, self.currency),
            "rate": self.rate,
            "out_of_scope": self.out_of_scope,
            "events": self.events,
            "version": self.version_no,
            "rule": self.rule_no,
            "details": self.details,
        }


def units(value: object) -> Decimal:
    """A measured quantity without the trailing zeros of its DECIMAL column (8.000 -> 8)."""
    quantity = Decimal(str(value))
    return (
        quantity.quantize(Decimal(1))
        if quantity == quantity.to_integral_value()
        else (quantity.normalize())
    )


def _qty(value: Decimal) -> str:
    return format(units(value), "f")


def line_id(period: str, contract: str, version_no: int, rule_no: int, oos: bool) -> str:
    return f"{period}:{contract}:v{version_no}:r{rule_no}" + (":oos" if oos else "")


def rate_text(rule: RateRule, currency: str) -> str:
    per = "" if rule.per == 1 else f" per {_qty(rule.per)}"
    if rule.price is not None:
        return f"{rule.price} {currency}{per}"
    return f"{rule.tier_mode} tiers{per}"


Versions = dict[str, tuple[Contract, ContractVersion]]


def _versions(contracts: Sequence[Contract]) -> Versions:
    return {v.key: (c, v) for c in contracts for v in c.versions()}


def _priced(
    row: dict[str, Any], versions: Versions
) -> tuple[Contract, ContractVersion, RateRule, Decimal, Any] | None:
    """(contract, version, rule, quantity, priced) of a measured line; None when it is not
    priced (a contract outside the settlement, or out-of-scope uses under a 0 multiplier)."""
    if row["vkey"] not in versions:
        return None  # a contract outside this settlement (its months are settled elsewhere)
    contract, version = versions[row["vkey"]]
    rule = version.terms.rates[row["rule_no"] - 1]
    multiplier = version.terms.unauthorized_use_multiplier if row["oos"] else Decimal(1)
    if row["oos"] and multiplier == 0:
        return None  # out-of-scope uses under a 0 multiplier are flagged, not priced
    quantity = units(row["quantity"])
    return contract, version, rule, quantity, price(rule, quantity, multiplier)


def _of_month(table: pa.Table, month: str, keep: bool) -> pa.Table:
    same = pc.equal(table.column("month"), month)
    return table.filter(same if keep else pc.invert(same))


def usage_amounts(
    lines: pa.Table,
    contracts: Sequence[Contract],
    except_month: str,
    carried: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Decimal]]:
    """contract -> month -> the sum of its priced lines, each rounded as in a ``RatedLine``,
    for every month but ``except_month`` (earlier months feed the economics only: their lines
    are priced, not described) and but those up to ``carried[contract]`` (months whose issued
    figures are carried, ``ledger.settlement.compute.carried_through``)."""
    versions = _versions(contracts)
    lines = _of_month(lines, except_month, keep=False)
    if carried:
        # the first month still priced, per version key (contracts not carried price all)
        keys = lines.column("vkey").unique()
        since = [
            Period(carried[versions[k][0].id]).next()
            if k in versions and versions[k][0].id in carried
            else ""
            for k in keys.to_pylist()
        ]
        wanted = pc.take(pa.array(since, pa.string()), pc.index_in(lines.column("vkey"), keys))
        lines = lines.filter(pc.greater_equal(lines.column("month"), wanted))
    usage: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in lines.to_pylist():
        found = _priced(row, versions)
        if found is not None:
            contract, _, _, _, priced = found
            usage[contract.id][row["month"]] += round_money(priced.amount, contract.currency)
    return usage


def price_lines(
    lines: pa.Table, breakdown: pa.Table, contracts: Sequence[Contract], month: str | None = None
) -> list[RatedLine]:
    """Price every measured line (of ``month`` only, when given); ``lines``/``breakdown`` come
    from :func:`measure`."""
    if month is not None:
        lines = _of_month(lines, month, keep=True)
        breakdown = _of_month(breakdown, month, keep=True)
    versions = _versions(contracts)
    parts: dict[tuple[str, str, int, bool], list[dict[str, str]]] = defaultdict(list)
    for row in breakdown.to_pylist():
        parts[(row["month"], row["vkey"], row["rule_no"], row["oos"])].append(
            {
                "channel": row["channel"] or "",
                "territory": row["territory"] or "",
                "media": row["media"] or "",
                "quantity": _qty(row["quantity"]),
            }
        )
    rated = []
    for row in lines.to_pylist():
        found = _priced(row, versions)
        if found is None:
            continue
        contract, version, rule, quantity, priced = found
        details = dict(priced.details)
        details["breakdown"] = parts[(row["month"], row["vkey"], row["rule_no"], row["oos"])]
        details["exact_amount"] = str(priced.amount)
        rated.append(
            RatedLine(
                line_id=line_id(
                    row["month"], contract.id, version.version_no, rule.rule_no, row["oos"]
                ),
                period=row["month"],
                contract=contract.id,
                revision=contract.revision,
                version_no=version.version_no,
                rule_no=rule.rule_no,
                metric=rule.metric,
                channel=rule.channel,
                media=rule.media,
                out_of_scope=row["oos"],
                quantity=quantity,
                events=row["events"],
                currency=contract.currency,
                amount=round_money(priced.amount, contract.currency),
                rate=rate_text(rule, contract.currency),
                details=details,
            )
        )
    return rated
