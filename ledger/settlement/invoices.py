"""A brand's invoices and credit notes (SPEC 4.3.1): one per issuer, currency and period.

The issuer is the party that licenses the twin under the contract: the talent's agency, or the
talent when self-represented. ``plan_documents`` groups a settlement's contracts by (issuer,
brand, currency), decides invoice or credit note and the VAT case, and computes net, VAT and
gross (VAT on the net total per rate, rounded once). ``invoice_problems`` names what a closed
invoice legally needs and lacks. ``document`` turns a plan and its number into the JSON of
the brand's `documents` list. Pure: numbers come from ``ledger.storage.numbers``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledger.domain import Address, Agency, Brand, Talent
from ledger.money import format_amount
from ledger.refdata.legal import legal_gaps
from ledger.settlement.compute import ContractResult, Settlement
from ledger.settlement.vat import Treatment, treatment, vat_amount

Issuer = Agency | Talent


@dataclass(frozen=True)
class Plan:
    """One invoice or credit note before it has a number. Amounts are signed (a credit note's
    are negative); the document shows them positive."""

    issuer: Issuer
    brand: Brand
    currency: str
    contracts: tuple[ContractResult, ...]
    net: Decimal
    vat: Decimal
    treatment: Treatment

    @property
    def kind(self) -> str:
        return "credit_note" if self.net < 0 else "invoice"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.issuer.id, self.brand.id, self.currency)

    @property
    def payment_days(self) -> int:
        """The shortest payment term of the document's contracts."""
        return min(r.contract.payment_days for r in self.contracts)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def issuer_of(result: ContractResult) -> Issuer:
    return result.agency if result.agency is not None else result.talent


def issuer_type(issuer: Issuer) -> str:
    return "agency" if isinstance(issuer, Agency) else "talent"


def plan_documents(settlement: Settlement, rates: Mapping[str, Decimal]) -> list[Plan]:
    """The brand documents of a settlement, in (issuer, brand, currency) order; an issuer whose
    contracts charge and correct nothing this period gets none."""
    groups: dict[tuple[str, str, str], list[ContractResult]] = defaultdict(list)
    for r in settlement.contracts:
        groups[(issuer_of(r).id, r.brand.id, r.contract.currency)].append(r)
    plans = []
    for (_, _, ccy), results in sorted(groups.items()):
        issuer, brand = issuer_of(results[0]), results[0].brand
        net = sum((r.total("brand_due") for r in results), Decimal(0))
        if not any(_charges(r) for r in results):
            continue  # nothing charged or corrected: no document, no number spent
        how = treatment(issuer.tax_registered, issuer.address, brand.address, rates)
        vat = vat_amount(net, how.rate, ccy)
        plans.append(Plan(issuer, brand, ccy, tuple(results), net, vat, how))
    return plans


def _charges(result: ContractResult) -> bool:
    own = result.month.brand_due if result.month else Decimal(0)
    return bool(own) or any(a.deltas["brand_due"] for a in result.adjustments)


def series(plan: Plan, period: str) -> str:
    """The number series of a plan: ``NORDLYS-2026`` for invoices, ``CN-NORDLYS-2026`` for
    credit notes (the issuer's id in capitals and the period's year)."""
    base = f"{plan.issuer.id.upper()}-{period[:4]}"
    return f"CN-{base}" if plan.kind == "credit_note" else base


def number(series_name: str, n: int) -> str:
    return f"{series_name}-{n:06d}"


def invoice_problems(plans: Sequence[Plan]) -> list[str]:
    """What each closed document legally needs and its parties lack, one line each naming the
    party and the field. Documents of issuers not registered for VAT need nothing more."""
    problems: list[str] = []
    for plan in plans:
        issuer, brand = plan.issuer, plan.brand
        if not issuer.tax_registered:
            continue
        who = f"{issuer_type(issuer)} {issuer.id}"
        needs = f"needed on the {plan.kind.replace('_', ' ')} to brand {brand.id}"
        for field in legal_gaps(issuer):
            problems.append(f"{who}: {field}: missing; {needs} in {plan.currency}")
        if brand.address is None:
            problems.append(f"brand {brand.id}: address: missing; needed on invoices from {who}")
        how = plan.treatment
        if how.case == "reverse_charge" and not brand.vat_id:
            problems.append(
                f"brand {brand.id}: vat_id: missing; needed for the reverse charge on "
                f"invoices from {who}"
            )
        if how.case == "unknown" and issuer.address and brand.address:
            problems.append(
                f"workspace.toml: [vat] {how.country}: no standard VAT rate for "
                f"{how.country}; needed on invoices from {who}"
            )
    return list(dict.fromkeys(problems))


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "lines": list(address.lines),
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
    }


def party_card(party: Issuer | Brand) -> dict[str, Any]:
    """A party as an invoice names it (kept in the document, so re-rendering never changes)."""
    return {
        "id": party.id,
        "name": party.name,
        "legal_name": party.legal_name or party.name,
        "address": _address(party.address),
        "vat_id": party.vat_id,
    }


def _month_end(period: str) -> str:
    first = date.fromisoformat(f"{period}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).isoformat()


def _reasons(plan: Plan, period: str, ccy: str) -> tuple[list[dict[str, Any]], list[str]]:
    reasons: list[dict[str, Any]] = []
    origins: list[str] = []
    for r in plan.contracts:
        for a in r.adjustments:
            if not a.deltas["brand_due"]:
                continue
            origins.append(a.origin)
            reasons.append(
                {
                    "contract": r.contract.id,
                    "period": a.origin,
                    "changes": [change.as_dict() for change in a.changes],
                    "amount": format_amount(a.deltas["brand_due"], ccy),
                }
            )
    return reasons, sorted(set(origins))


def document(
    plan: Plan,
    period: str,
    issued_on: str,
    document_number: str | None,
    issued_numbers: Mapping[tuple[str, str, str, str], str],
) -> dict[str, Any]:
    """The JSON of one invoice or credit note. ``issued_numbers`` maps (period, issuer, brand,
    currency) to the number a closed period issued, for the documents this one corrects
    (issuer ``*``: a document issued before documents were per issuer)."""
    ccy = plan.currency
    sign = -1 if plan.kind == "credit_note" else 1
    reasons, origins = _reasons(plan, period, ccy)
    issued = date.fromisoformat(issued_on)
    how = plan.treatment
    shown = {k: format_amount(sign * v, ccy) for k, v in (("net", plan.net), ("vat", plan.vat))}
    return {
        "document": plan.kind,
        "number": document_number,
        "currency": ccy,
        "total": format_amount(sign * plan.gross, ccy),
        "corrects": [{"period": p, "number": issued_numbers.get((p, *plan.key))} for p in origins],
        "reasons": reasons,
        "issuer": {"id": plan.issuer.id, "name": plan.issuer.name},
        "issuer_type": issuer_type(plan.issuer),
        "issue_date": issued_on,
        "due_date": (issued + timedelta(days=plan.payment_days)).isoformat(),
        "net": shown["net"],
        "vat": [
            {
                "rate": str(how.rate),
                "base": shown["net"],
                "amount": shown["vat"],
                "category": how.category,
                "mention": how.mention,
            }
        ],
        "gross": format_amount(sign * plan.gross, ccy),
        "contracts": [r.contract.id for r in plan.contracts],
        "lines": [
            {
                "contract": r.contract.id,
                "twin": r.contract.twin,
                "talent": r.talent.name,
                "amount": format_amount(sign * r.total("brand_due"), ccy),
            }
            for r in plan.contracts
        ],
        "period_start": f"{period}-01",
        "period_end": _month_end(period),
        "vat_case": how.case,
        "vat_country": how.country,
        "seller": party_card(plan.issuer),
        "buyer": party_card(plan.brand),
    }
