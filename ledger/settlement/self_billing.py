"""Self-billed invoices (SPEC 4.3.2): a VAT-registered talent's statement is also the invoice
for the royalties she supplies to her agency, which the agency issues on her behalf.

A talent represented by an agency licenses her twin to the agency, which licenses it on to
brands and invoices them (SPEC 4.3.1); the royalties the agency pays her, before withholding,
are her supply. When she is ``tax_registered``, her statement carries a self-billed invoice
(a credit note when the period takes back more than it gives): per contract her royalties
(brand_due - commission, prior-period adjustments included) converted into her payout currency
at the period's rate, their sum as the net, VAT by the rules of 4.3.1 from her country to the
agency's, rounded once, and the mention "Self-billing". The VAT is owed to her on top of her
royalties (it is added to her balance) and is input VAT the agency deducts
(``vat:{agency}:{country}:input``). Self-represented talents invoice brands themselves, and an
agency's commission is income of the invoices it issues: neither is self-billed.

Pure: numbers come from ``ledger.storage.numbers``, rates as a mapping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.domain import Agency, Talent
from ledger.fx import FxRate, FxTable
from ledger.money import format_amount
from ledger.period import Period
from ledger.refdata.legal import legal_gaps
from ledger.settlement.vat import Treatment, treatment, vat_amount

if TYPE_CHECKING:
    from ledger.settlement.compute import ContractResult

MENTION = "Self-billing"


@dataclass(frozen=True)
class Line:
    """One contract's royalties of the period, in its currency and in the payout currency."""

    contract: str
    brand: str
    currency: str
    royalties: Decimal  # brand_due - commission, contract currency
    fx: FxRate
    amount: Decimal  # royalties converted (rounded half-even), payout currency


@dataclass(frozen=True)
class SelfBill:
    """One talent's self-billed invoice or credit note before it has a number. Amounts are
    signed (a credit note's are negative); the document shows them positive."""

    talent: Talent
    agency: Agency
    currency: str
    lines: tuple[Line, ...]
    net: Decimal
    vat: Decimal
    treatment: Treatment
    payment_days: int  # the shortest payment term of its contracts

    @property
    def kind(self) -> str:
        return "credit_note" if self.net < 0 else "invoice"

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def country(self) -> str:
        """Where the agency deducts the VAT as input VAT: its own country."""
        return self.agency.address.country if self.agency.address else ""


def royalties(result: ContractResult) -> Decimal:
    """The talent's supply under a contract this period: brand_due less commission."""
    return result.total("brand_due") - result.total("commission")


def plan_self_bills(
    contracts: Sequence[ContractResult], fx: FxTable, on: date, rates: Mapping[str, Decimal]
) -> list[SelfBill]:
    """The self-billed documents of a period, one per VAT-registered represented talent with
    royalties or corrections, in talent order."""
    groups: dict[str, list[ContractResult]] = defaultdict(list)
    for r in contracts:
        if r.agency is not None and r.talent.tax_registered:
            groups[r.talent.id].append(r)
    bills = []
    for _, results in sorted(groups.items()):
        talent, agency = results[0].talent, results[0].agency
        assert agency is not None
        ccy = talent.payout_currency
        lines = []
        for r in results:
            own = royalties(r)
            if not own:
                continue
            amount, rate = fx.convert(own, r.contract.currency, ccy, on)
            lines.append(Line(r.contract.id, r.brand.id, r.contract.currency, own, rate, amount))
        if not lines:
            continue
        net = sum((line.amount for line in lines), Decimal(0))
        how = treatment(True, talent.address, agency.address, rates)
        vat = vat_amount(net, how.rate, ccy)
        days = min(r.contract.payment_days for r in results)
        bills.append(SelfBill(talent, agency, ccy, tuple(lines), net, vat, how, days))
    return bills


def series(bill: SelfBill, period: str) -> str:
    """``SB-LIV-S-2026`` for a talent's self-billed invoices, ``SB-CN-LIV-S-2026`` for its
    credit notes: a series per talent and year."""
    base = f"{bill.talent.id.upper()}-{period[:4]}"
    return f"SB-CN-{base}" if bill.kind == "credit_note" else f"SB-{base}"


def problems(bills: Sequence[SelfBill]) -> list[str]:
    """What each self-billed document legally needs and its parties lack, one line each."""
    found: list[str] = []
    for bill in bills:
        needs = f"needed on the self-billed {bill.kind.replace('_', ' ')} of {bill.talent.id}"
        for who, party in (
            (f"talent {bill.talent.id}", bill.talent),
            (f"agency {bill.agency.id}", bill.agency),
        ):
            for field in legal_gaps(party):
                found.append(f"{who}: {field}: missing; {needs} in {bill.currency}")
        how = bill.treatment
        if how.case == "unknown" and bill.talent.address and bill.agency.address:
            found.append(
                f"workspace.toml: [vat] {how.country}: no standard VAT rate for "
                f"{how.country}; {needs}"
            )
    return list(dict.fromkeys(found))


def document(
    bill: SelfBill, period: str, issued_on: str, document_number: str | None, cards: Any
) -> dict[str, Any]:
    """The ``self_billing`` object of the talent's statement. ``cards`` turns a party into the
    seller or buyer block an invoice prints (``ledger.settlement.invoices.party_card``)."""
    ccy = bill.currency
    sign = -1 if bill.kind == "credit_note" else 1
    how = bill.treatment
    net = format_amount(sign * bill.net, ccy)
    return {
        "document": bill.kind,
        "number": document_number,
        "mention": MENTION,
        "currency": ccy,
        "issue_date": issued_on,
        "due_date": (date.fromisoformat(issued_on) + timedelta(days=bill.payment_days)).isoformat(),
        "period_start": f"{period}-01",
        "period_end": Period(period).last_day.isoformat(),
        "issued_by": {"id": bill.agency.id, "name": bill.agency.name},
        "seller": cards(bill.talent),
        "buyer": cards(bill.agency),
        "lines": [
            {
                "contract": line.contract,
                "brand": line.brand,
                "currency": line.currency,
                "royalties": format_amount(sign * line.royalties, line.currency),
                "rate": str(line.fx.rate),
                "amount": format_amount(sign * line.amount, ccy),
            }
            for line in bill.lines
        ],
        "net": net,
        "vat": [
            {
                "rate": str(how.rate),
                "base": net,
                "amount": format_amount(sign * bill.vat, ccy),
                "category": how.category,
                "mention": how.mention,
            }
        ],
        "gross": format_amount(sign * bill.gross, ccy),
        "vat_case": how.case,
        "vat_country": bill.country,
    }
