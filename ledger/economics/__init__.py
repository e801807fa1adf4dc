"""The month-by-month economics of one contract (SPEC 4.2 steps 2-8), in its currency.

:func:`settle_contract_months` recomputes a contract's whole history from its start month: caps,
minimum guarantees and advances all depend on earlier months, so one pure pass over the months in
order is the single source of every figure. Each component lives in its own module; this module only
threads the running state between them.

The terms of a month are those of the contract version in force on the month's last active day;
the retainer alone is split between the versions in force during the month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledger.domain import Contract, ContractVersion
from ledger.economics import advance, cap, deductions, minimum_guarantee, retainer
from ledger.economics.periods import (
    months_between,
    overlap,
    period_bounds,
    period_of,
)
from ledger.money import round_money


@dataclass(frozen=True)
class ContractMonth:
    """One contract's figures for one month; positive amounts are owed by the brand.

    Invariants: earned = usage + retainer + cap_adjustment + minimum_guarantee_topup;
    brand_due = earned - advance_recouped + advance_paid = talent_net + commission + withholding.
    """

    period: str
    usage: Decimal
    retainer: Decimal
    cap_adjustment: Decimal
    minimum_guarantee_topup: Decimal
    earned: Decimal
    advance_paid: Decimal
    advance_recouped: Decimal
    brand_due: Decimal
    commission: Decimal
    withholding: Decimal
    talent_net: Decimal
    commission_rate: Decimal
    withholding_rate: Decimal
    details: dict[str, Any]


def version_for_month(contract: Contract, period: str) -> ContractVersion:
    """The version in force on the month's last day inside the term."""
    active = overlap(period_bounds(period), (contract.start, contract.end))
    if active is None:
        raise ValueError(f"{period} is outside the term of contract {contract.id}")
    version = contract.version_on(active[1])
    assert version is not None
    return version


_CARRIED = ("usage", "retainer", "cap_adjustment", "advance_paid", "advance_recouped")


@dataclass(frozen=True)
class Carried:
    """The months of a contract up to ``through`` as already settled, to resume after them.

    ``figures`` maps each of those months to its components as issued (``usage``, ``retainer``,
    ``cap_adjustment``, ``advance_paid``, ``advance_recouped``); a month absent from it settled
    to zero. Only the running state the later months need is taken from them: what usage and
    retainer earned and the cap took off per month, and the advance still outstanding."""

    through: str
    figures: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)


def settle_contract_months(
    contract: Contract,
    usage_by_period: Mapping[str, Decimal],
    through: str,
    default_commission_rate: Decimal,
    withholding_rate: Decimal,
    carried: Carried | None = None,
) -> list[ContractMonth]:
    """Every month from the contract's start through ``through`` (or its end month, if earlier).

    ``usage_by_period`` maps "YYYY-MM" to the month's usage (a sum of rounded priced lines); months
    absent from it have no usage. ``default_commission_rate`` is the agency's (0 without one); a
    version's ``agency_commission`` overrides it. With ``carried``, the months up to
    ``carried.through`` are not recomputed (nor returned): their figures seed the running state.
    """
    currency = contract.currency
    last = min(through, period_of(contract.end))
    capped: dict[str, Decimal] = {}
    cap_adjustments: dict[str, Decimal] = {}
    before_mg: dict[str, Decimal] = {}
    outstanding = Decimal(0)
    months = []
    zero = round_money(Decimal(0), currency)
    for period in months_between(period_of(contract.start), last):
        if carried is not None and period <= carried.through:
            known = carried.figures.get(period) or {}
            # in minor units, as computed (a NUMERIC column keeps more places); most are zero
            usage, kept_retainer, kept_cap, paid, recouped = [
                round_money(value, currency) if (value := known.get(name)) else zero
                for name in _CARRIED
            ]
            capped[period] = usage + kept_retainer
            cap_adjustments[period] = kept_cap
            before_mg[period] = capped[period] + kept_cap
            outstanding += paid
            outstanding -= recouped
            continue
        version = version_for_month(contract, period)
        terms = version.terms
        usage = round_money(usage_by_period.get(period, Decimal(0)), currency)
        retainer_amount, retainer_detail = retainer.retainer_for_month(contract, period)
        capped[period] = usage + retainer_amount
        cap_amount, cap_detail = cap.cap_adjustment(
            terms.cap, contract, period, capped, cap_adjustments
        )
        cap_adjustments[period] = cap_amount
        before_mg[period] = capped[period] + cap_amount
        topup, mg_detail = minimum_guarantee.minimum_guarantee_topup(
            terms.minimum_guarantee, contract, period, before_mg
        )
        earned = before_mg[period] + topup
        paid = advance.advance_paid(terms.advance, contract, period)
        outstanding += paid
        recouped = advance.recoup(outstanding, earned)
        outstanding -= recouped
        brand_due = earned - recouped + paid
        commission_rate = (
            terms.agency_commission
            if terms.agency_commission is not None
            else default_commission_rate
        )
        cut = deductions.deductions(brand_due, commission_rate, withholding_rate, currency)
        months.append(
            ContractMonth(
                period=period,
                usage=usage,
                retainer=retainer_amount,
                cap_adjustment=cap_amount,
                minimum_guarantee_topup=topup,
                earned=earned,
                advance_paid=paid,
                advance_recouped=recouped,
                brand_due=brand_due,
                commission=cut.commission,
                withholding=cut.withholding,
                talent_net=cut.talent_net,
                commission_rate=commission_rate,
                withholding_rate=withholding_rate,
                details={
                    "contract": contract.id,
                    "currency": currency,
                    "version": version.key,
                    "usage": str(usage),
                    "retainer": retainer_detail,
                    "cap": cap_detail,
                    "minimum_guarantee": mg_detail,
                    "earned": str(earned),
                    "advance": advance.advance_detail(
                        terms.advance, contract, paid, recouped, outstanding
                    ),
                    "brand_due": str(brand_due),
                    "deductions": cut.details(commission_rate, withholding_rate),
                },
            )
        )
    return months


__all__ = ["Carried", "ContractMonth", "settle_contract_months", "version_for_month"]
