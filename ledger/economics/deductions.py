"""Commission and withholding out of the brand's due (SPEC 4.2 step 8).

commission = round(brand_due x commission rate); withholding = round((brand_due - commission) x
withholding rate); talent_net = brand_due - commission - withholding, so the three always add back
to brand_due exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from ledger.errors import Problem
from ledger.money import round_money


@dataclass(frozen=True)
class Deductions:
    commission: Decimal
    withholding: Decimal
    talent_net: Decimal

    def details(self, commission_rate: Decimal, withholding_rate: Decimal) -> dict[str, Any]:
        return {
            "commission_rate": str(commission_rate),
            "commission": str(self.commission),
            "withholding_rate": str(withholding_rate),
            "withholding": str(self.withholding),
            "talent_net": str(self.talent_net),
        }


def validate_rate(name: str, rate: Decimal) -> list[Problem]:
    if not Decimal(0) <= rate <= Decimal(1):
        return [Problem(None, None, name, f"must be between 0 and 1, got {rate}")]
    return []


def deductions(
    brand_due: Decimal, commission_rate: Decimal, withholding_rate: Decimal, currency: str
) -> Deductions:
    with localcontext() as ctx:
        ctx.prec = 60
        commission = round_money(brand_due * commission_rate, currency)
        withholding = round_money((brand_due - commission) * withholding_rate, currency)
    return Deductions(commission, withholding, brand_due - commission - withholding)
