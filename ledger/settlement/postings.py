"""The journal entries of a closed settlement (SPEC 4.4).

Each contract's entry debits the brand's receivable and credits the talent, the agency and
withholding; each invoice or credit note with VAT debits the brand's receivable with the VAT and
credits ``vat:{issuer}:{country}:payable`` (royalties never carry VAT); each self-billed
invoice with VAT credits the talent and debits the agency's ``vat:{agency}:{country}:input``;
each party with a positive
payable balance gets a payout entry, which moves the payable to ``payouts:due`` (money has not
moved yet: a payout run takes it from there). ``compute`` decides the amounts; this module only
turns them into balanced postings.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlmodel import Session

from ledger.journal import PAYOUTS_DUE, Posting, post
from ledger.settlement.compute import ContractResult, Settlement, payable_account
from ledger.settlement.invoices import Plan
from ledger.settlement.self_billing import SelfBill


def post_settlement(session: Session, settlement: Settlement, plans: Sequence[Plan]) -> None:
    """Post a closed settlement: one entry per contract, one per document with VAT, one payout
    per party paid."""
    period = settlement.period
    for r in settlement.contracts:
        post(
            session,
            period,
            "settlement",
            f"{period}:{r.contract.id}",
            f"settlement of {r.contract.id} for {period}",
            contract_postings(r),
        )
    for plan in plans:
        if plan.vat:
            issuer, brand, ccy = plan.key
            post(
                session,
                period,
                "settlement",
                f"{period}:vat:{issuer}:{brand}:{ccy}",
                f"VAT on the {plan.kind.replace('_', ' ')} of {issuer} to {brand} for {period}",
                vat_postings(plan),
            )
    for bill in settlement.self_bills:
        if bill.vat:
            talent = bill.talent.id
            post(
                session,
                period,
                "settlement",
                f"{period}:self-billing:{talent}",
                f"VAT on the self-billed {bill.kind.replace('_', ' ')} of {talent} for {period}",
                self_billing_postings(bill),
            )
    payees = [("talent", p) for p in settlement.talents]
    payees += [("agency", p) for p in settlement.agencies]
    for kind, position in payees:
        if position.payable > 0:  # a balance at or below zero is never paid: it carries forward
            payee = position.party
            what = "payout" if kind == "talent" else "commission payout"
            post(
                session,
                period,
                "payout",
                f"{period}:payout:{kind}:{payee.id}",
                f"{what} to {payee.id} for {period}",
                [
                    Posting(payable_account(payee), position.currency, position.payable),
                    Posting(PAYOUTS_DUE, position.currency, -position.payable),
                ],
            )


def vat_account(issuer: str, country: str) -> str:
    return f"vat:{issuer}:{country}:payable"


def vat_postings(plan: Plan) -> list[Posting]:
    """The brand owes the VAT of a document on top of its net; the issuer owes it to the tax
    office of its country (a credit note's VAT is negative: both sides go back)."""
    account = vat_account(plan.issuer.id, plan.treatment.country or "")
    return [
        Posting(f"brand:{plan.brand.id}:receivable", plan.currency, plan.vat),
        Posting(account, plan.currency, -plan.vat),
    ]


def input_vat_account(customer: str, country: str) -> str:
    return f"vat:{customer}:{country}:input"


def self_billing_postings(bill: SelfBill) -> list[Posting]:
    """The talent is owed the VAT of her self-billed invoice on top of her royalties; the
    agency deducts it as input VAT in its country (a credit note's VAT reverses both)."""
    return [
        Posting(input_vat_account(bill.agency.id, bill.country), bill.currency, bill.vat),
        Posting(payable_account(bill.talent), bill.currency, -bill.vat),
    ]


def contract_postings(r: ContractResult) -> list[Posting]:
    """Brand charge = talent + agency + withholding credits, in the contract currency; FX
    conversions pass through `fx:clearing` so every currency balances on its own."""
    ccy = r.contract.currency
    talent = r.talent
    postings = [
        Posting(f"brand:{r.brand.id}:receivable", ccy, r.total("brand_due")),
        Posting(f"withholding:{talent.id}:payable", ccy, -r.total("withholding")),
    ]
    postings += _credit(
        f"talent:{talent.id}:payable",
        ccy,
        r.total("talent_net"),
        talent.payout_currency,
        r.talent_net_payout,
    )
    if r.agency is not None:
        postings += _credit(
            f"agency:{r.agency.id}:payable",
            ccy,
            r.total("commission"),
            r.agency.currency,
            r.commission_payout,
        )
    return postings


def _credit(
    account: str, ccy: str, amount: Decimal, target: str, converted: Decimal
) -> list[Posting]:
    if target == ccy:
        return [Posting(account, ccy, -amount)]
    return [
        Posting("fx:clearing", ccy, -amount),
        Posting("fx:clearing", target, converted),
        Posting(account, target, -converted),
    ]
