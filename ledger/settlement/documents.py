"""Statement documents (SPEC 6 `statements data`): plain JSON-ready dicts, decimals as strings.

A document is built once per party when a period is settled and kept as issued; PDFs and
`statements data` are rendered from it, so a closed period's documents never change. The
verification code is the sha256 of the document's canonical JSON without the code itself.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from ledger.domain import LISTED_EXCEPTIONS, Parties
from ledger.fx import FxRate
from ledger.money import format_amount
from ledger.settlement import invoices, self_billing
from ledger.settlement.compute import COMPONENTS, ContractResult, Position, Settlement
from ledger.settlement.document_types import (
    AgencyStatement,
    Balances,
    ContractBlock,
    FxRateDoc,
    Header,
    ManualAdjustmentDoc,
    PartyRef,
    PreviousPayout,
    SelfBillingDoc,
    TalentStatement,
)
from ledger.settlement.invoices import Plan, plan_documents
from ledger.settlement.vat import STANDARD_RATES

Document = dict[str, Any]


def _canonical(doc: Mapping[str, Any]) -> str:
    """The JSON the verification code hashes: every key but the code, sorted, compact."""
    body = {k: v for k, v in doc.items() if k != "verification_code"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verification_code(doc: Mapping[str, Any]) -> str:
    return _sha256(_canonical(doc))


def seal(doc: Document) -> str:
    """Set the document's verification code; returns the document as stored: its canonical
    JSON with the code added (serialised once, for the hash and for storage)."""
    canonical = _canonical(doc)
    code = _sha256(canonical)
    doc["verification_code"] = code
    if canonical == "{}":
        return json.dumps({"verification_code": code})
    return f'{canonical[:-1]},"verification_code":"{code}"}}'


def statement_id(period: str, party_type: str, party_id: str) -> str:
    return f"ST-{period}-{party_type[0].upper()}-{party_id}"


def brand_document_number(statement: str, kind: str, currency: str) -> str:
    """An invoice is numbered ``{statement id}-{CCY}``; a credit note has its own series,
    ``CN-…`` in place of ``ST-…``."""
    number = f"{statement}-{currency}"
    return "CN-" + number.removeprefix("ST-") if kind == "credit_note" else number


def brand_documents_of(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The invoices and credit notes of a brand statement document; documents issued before
    brands had credit notes list each currency's due as an invoice."""
    listed = doc.get("documents")
    if isinstance(listed, list):
        return [d for d in listed if isinstance(d, dict)]
    due = (doc.get("summary") or {}).get("due") or {}
    return [
        {
            "document": "invoice",
            "number": brand_document_number(str(doc.get("statement_id")), "invoice", ccy),
            "currency": ccy,
            "total": amount,
        }
        for ccy, amount in sorted(due.items())
    ]


def document_suffix(doc: Mapping[str, Any], document: Mapping[str, Any]) -> str:
    """What follows the statement id in the name of a brand document's PDF: its currency, or
    ``{issuer}-{CCY}`` when several issuers invoice the brand in that currency (SPEC 4.3.1)."""
    ccy = str(document.get("currency") or "")
    same = [d for d in brand_documents_of(doc) if d.get("currency") == ccy]
    issuer = (document.get("issuer") or {}).get("id")
    return f"{issuer}-{ccy}" if len(same) > 1 and issuer else ccy


def _fx(rate: FxRate | None) -> dict[str, str] | None:
    if rate is None or rate.from_currency == rate.to_currency:
        return None
    return {
        "from": rate.from_currency,
        "to": rate.to_currency,
        "rate": str(rate.rate),
        "date": rate.date.isoformat(),
    }


def _components(values: Mapping[str, Decimal], currency: str) -> dict[str, str]:
    return {k: format_amount(values[k], currency) for k in COMPONENTS}


def contract_block(result: ContractResult) -> Document:
    c = result.contract
    ccy = c.currency
    month = result.month
    own = {k: getattr(month, k) if month else Decimal(0) for k in COMPONENTS}
    block: Document = {
        "contract": c.id,
        "revision": c.revision,
        "brand": c.brand,
        "brand_name": result.brand.name,
        "twin": c.twin,
        "talent": result.talent.id,
        "talent_name": result.talent.name,
        "currency": ccy,
        **_components(own, ccy),
        "commission_rate": str(month.commission_rate if month else Decimal(0)),
        "withholding_rate": str(month.withholding_rate if month else Decimal(0)),
        "fx": _fx(result.net_fx),
        "talent_net_with_adjustments": format_amount(result.total("talent_net"), ccy),
        "talent_net_payout": format_amount(result.talent_net_payout, result.talent.payout_currency),
        "payout_currency": result.talent.payout_currency,
        "prior_period_adjustments": [
            {"period": a.origin, **_components(a.deltas, ccy)} for a in result.adjustments
        ],
        "lines": [line.as_dict() for line in result.lines],
        "economics": month.details if month else {},
    }
    if result.agency is not None:
        block["commission_payout"] = format_amount(result.commission_payout, result.agency.currency)
        block["commission_fx"] = _fx(result.commission_fx)
    if result.credentials is not None:
        verified, uses = result.credentials
        block["content_credentials"] = {"verified": verified, "uses": uses}
    if result.consents:
        block["consents"] = [
            {"id": c.id, "signed_on": c.signed_on.isoformat(), "document_sha256": c.document_sha256}
            for c in result.consents
        ]
    return block


def _exceptions(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Exception rows in statement form, each with its talent (popped off by the caller)."""
    keys = ("talent", "kind", "brand", "twin", "contract", "event_id", "occurred_at", "detail")
    return [{k: row[k] for k in keys} for row in rows]


def _exception_order(row: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """The order the rating pass lists exceptions in."""
    return (row["occurred_at"], row["brand"], row["event_id"], row["kind"], row["detail"])


def _exception_fields(rows: Sequence[dict[str, Any]], ordered: bool = True) -> Document:
    """The first ``LISTED_EXCEPTIONS`` exceptions in full, and every one counted by kind.

    ``rows`` are in the rating pass's order unless ``ordered`` is False. A month with hundreds of
    thousands of exceptions keeps its statements small; `twinledger exceptions` lists them all.
    """
    if ordered:
        listed = list(rows[:LISTED_EXCEPTIONS])
    else:
        listed = heapq.nsmallest(LISTED_EXCEPTIONS, rows, key=_exception_order)
    counts = Counter(row["kind"] for row in rows)
    return {"exceptions": listed, "exception_counts": dict(sorted(counts.items()))}


def _manual(settlement: Settlement, party: str) -> list[dict[str, str]]:
    return [m.as_dict() for m in settlement.manual if m.party == party]


def _fx_rates(blocks: Iterable[Document], key: str = "fx") -> list[dict[str, str]]:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for block in blocks:
        fx = block.get(key)
        if fx:
            seen[(fx["from"], fx["to"])] = fx
    return [seen[k] for k in sorted(seen)]


def _balances(position: Position) -> Balances:
    """A payee's balance fields (SPEC 4.3), in its currency."""
    ccy = position.currency
    return {
        "opening_balance": format_amount(position.opening_balance, ccy),
        "adjustments": format_amount(position.adjustments, ccy),
        "balance": format_amount(position.balance, ccy),
        "carried_forward": format_amount(position.carried_forward, ccy),
        "payable": format_amount(position.payable, ccy),
        "min_payout": format_amount(position.party.min_payout, ccy),
    }


def _header(settlement: Settlement, status: str, issued_on: str, party: PartyRef) -> Header:
    return {
        "statement_id": statement_id(settlement.period, party["type"], party["id"]),
        "period": settlement.period,
        "status": status,
        "issued_on": issued_on,
        "party": party,
    }


def build_documents(
    settlement: Settlement,
    parties: Parties,
    status: str,
    issued_on: str,
    issuer: Mapping[str, str],
    issued_numbers: Mapping[tuple[str, str, str, str], str] | None = None,
    plans: Sequence[Plan] | None = None,
    numbers: Mapping[tuple[str, str, str], str] | None = None,
    previous_payouts: Mapping[tuple[str, str], PreviousPayout] | None = None,
    self_numbers: Mapping[str, str] | None = None,
) -> list[tuple[Document, str]]:
    """Every party's statement for the period: talents, agencies, brands (in that order), each
    sealed, with the text it is stored as. A brand's statement lists its invoices and credit
    notes (``plans``, by default with the shipped VAT rates), numbered by ``numbers`` (none in
    a draft). ``issued_numbers`` gives the number of the document issued for (period, issuer,
    brand, currency) by earlier closes, for the documents that correct them;
    ``previous_payouts`` the last paid payout of each (party type, id), which its statement
    shows as "paid on"; ``self_numbers`` the number of each talent's self-billed document
    (SPEC 4.3.2, none in a draft)."""
    issued_numbers = issued_numbers or {}
    self_numbers = self_numbers or {}
    self_bills = {bill.talent.id: bill for bill in settlement.self_bills}
    numbers = numbers or {}
    previous_payouts = previous_payouts or {}
    if plans is None:
        plans = plan_documents(settlement, STANDARD_RATES)
    blocks = [(r, contract_block(r)) for r in settlement.contracts]
    exceptions = _exceptions(settlement.exceptions.to_pylist())
    brand_names = {b.id: b.name for b in parties.brands}
    for row in exceptions:  # people read names: an unlicensed use has no contract to name it
        row["brand_name"] = brand_names.get(row["brand"], row["brand"])
    talents_of = [row.pop("talent") for row in exceptions]
    by_talent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_brand_exc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for talent_id, row in zip(talents_of, exceptions, strict=True):
        by_talent[talent_id].append(row)
        by_brand_exc[row["brand"]].append(row)
    talent_blocks: dict[str, list[Document]] = defaultdict(list)
    agency_blocks: dict[str, list[Document]] = defaultdict(list)
    for r, b in blocks:
        talent_blocks[r.talent.id].append(b)
        if r.agency is not None:
            agency_blocks[r.agency.id].append(b)
    agencies = {a.id: a for a in parties.agencies}
    docs: list[tuple[Document, str]] = []

    for position in settlement.talents:
        talent = position.talent
        ccy = talent.payout_currency
        mine = talent_blocks[talent.id]
        agency = agencies.get(talent.agency) if talent.agency else None
        exceptions_of = _exception_fields(by_talent[talent.id])
        party: PartyRef = {
            "type": "talent",
            "id": talent.id,
            "name": talent.name,
            "locale": talent.locale,
        }
        statement: TalentStatement = {
            **_header(settlement, status, issued_on, party),
            "agency": {"id": agency.id, "name": agency.name} if agency else None,
            "currency": ccy,
            "contracts": cast(list[ContractBlock], mine),
            "exceptions": exceptions_of["exceptions"],
            "exception_counts": exceptions_of["exception_counts"],
            "manual_adjustments": cast(list[ManualAdjustmentDoc], _manual(settlement, talent.id)),
            "summary": {
                "net_this_period": format_amount(position.net_this_period, ccy),
                **_balances(position),
                "fx_rates": cast(list[FxRateDoc], _fx_rates(mine)),
            },
            "previous_payout": previous_payouts.get(("talent", talent.id)),
        }
        bill = self_bills.get(talent.id)
        if bill is not None:
            statement["summary"]["vat"] = format_amount(position.vat, ccy)
            statement["self_billing"] = cast(
                SelfBillingDoc,
                self_billing.document(
                    bill,
                    settlement.period,
                    issued_on,
                    self_numbers.get(talent.id),
                    invoices.party_card,
                ),
            )
        doc = cast(Document, statement)
        docs.append((doc, seal(doc)))

    for position in settlement.agencies:
        agency = position.agency
        mine = agency_blocks[agency.id]
        talent_ids = sorted({b["talent"] for b in mine})
        party = {"type": "agency", "id": agency.id, "name": agency.name, "locale": agency.locale}
        exceptions_of = _exception_fields([row for t in talent_ids for row in by_talent[t]], False)
        commission: AgencyStatement = {
            **_header(settlement, status, issued_on, party),
            "currency": agency.currency,
            "contracts": cast(list[ContractBlock], mine),
            "exceptions": exceptions_of["exceptions"],
            "exception_counts": exceptions_of["exception_counts"],
            "manual_adjustments": cast(list[ManualAdjustmentDoc], _manual(settlement, agency.id)),
            "summary": {
                "commission": format_amount(position.net_this_period, agency.currency),
                **_balances(position),
                "fx_rates": cast(list[FxRateDoc], _fx_rates(mine, "commission_fx")),
            },
            "previous_payout": previous_payouts.get(("agency", agency.id)),
        }
        doc = cast(Document, commission)
        docs.append((doc, seal(doc)))

    by_brand: dict[str, list[tuple[ContractResult, Document]]] = defaultdict(list)
    for r, b in blocks:
        by_brand[r.brand.id].append((r, b))
    for brand_id in sorted(by_brand):
        brand = by_brand[brand_id][0][0].brand
        due: dict[str, Decimal] = defaultdict(Decimal)
        for r, _ in by_brand[brand_id]:
            due[r.contract.currency] += r.total("brand_due")
        for m in settlement.manual:
            if m.party == brand_id:
                due[m.currency] += m.amount
        party = {"type": "brand", "id": brand.id, "name": brand.name, "locale": brand.locale}
        doc = {
            **_header(settlement, status, issued_on, party),
            "currency": brand.currency,
            "contracts": [b for _, b in by_brand[brand_id]],
            **_exception_fields(by_brand_exc[brand_id]),
            "manual_adjustments": _manual(settlement, brand_id),
            "summary": {"due": {c: format_amount(v, c) for c, v in sorted(due.items())}},
            "documents": [
                invoices.document(
                    plan, settlement.period, issued_on, numbers.get(plan.key), issued_numbers
                )
                for plan in plans
                if plan.brand.id == brand_id
            ],
            "issuer": {k: v for k, v in issuer.items() if k != "payment_terms"},
            "payment_terms": issuer.get("payment_terms", "Payment due within 30 days."),
        }
        docs.append((doc, seal(doc)))
    return docs
