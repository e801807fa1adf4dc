"""Agency reconciliation (SPEC 5): what every brand used of the agency's talents, what broke a
contract, and how a brand's own usage report compares with the ledger, line by line.

Everything is read from the settled period: the usage matrix from the agency's stored statement
document (the ledger's rounded line amounts, summed per metric), the exceptions from the
period's exceptions file. A brand report is a CSV in the layout of ``REPORT_COLUMNS``
(``ledger.brand_report``, docs/reconciliation.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger import statements
from ledger.brand_report import LineKey, ReportLine, read_brand_report
from ledger.domain import EXCEPTION_KINDS, METRICS, Parties
from ledger.errors import LedgerError
from ledger.money import dec, format_amount
from ledger.storage.db import reading
from ledger.storage.repo import load_parties
from ledger.storage.tables import PeriodRow
from ledger.workspace import Workspace

EXCEPTION_KEYS = (
    "kind",
    "brand",
    "twin",
    "talent",
    "contract",
    "event_id",
    "occurred_at",
    "detail",
)
STATUSES = ("missing", "extra", "quantity_differs", "amount_differs", "quantity_and_amount_differ")


@dataclass(frozen=True)
class UsageCell:
    """One cell of the cross-brand matrix: a talent's use by one brand in one metric and currency.
    ``amount`` is the sum of the ledger's rounded line amounts (out-of-scope lines included)."""

    talent: str
    talent_name: str
    brand: str
    brand_name: str
    metric: str
    currency: str
    quantity: Decimal
    amount: Decimal
    contracts: tuple[str, ...]


@dataclass(frozen=True)
class ContractProvenance:
    """One contract of the agency's talents: the consents it relies on (SPEC 1.4) and, for a
    brand with asset credentials on file, how many of its publications this period carried a
    verified content credential (SPEC 3.1)."""

    contract: str
    talent: str
    brand: str
    twin: str
    consents: tuple[str, ...]
    credentials_verified: int | None
    credentials_uses: int | None

    @property
    def credentials(self) -> str | None:
        """ "3 of 4", or None when the brand has no asset credentials on file."""
        if self.credentials_uses is None:
            return None
        return f"{self.credentials_verified} of {self.credentials_uses}"


@dataclass(frozen=True)
class BrandExceptions:
    """The exceptions of one brand involving the agency's talents: counts per kind, and rows."""

    brand: str
    counts: Mapping[str, int]
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class LedgerLine:
    """The ledger's usage of one contract in one metric (lines summed)."""

    currency: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Difference:
    """A line where the brand's report and the ledger disagree. Differences are reported minus
    ledger: positive = the brand reports more than the ledger computed."""

    status: str
    brand: str
    twin: str
    contract: str
    metric: str
    line_no: int | None
    ledger: LedgerLine | None
    reported: ReportLine | None

    @property
    def quantity_difference(self) -> Decimal | None:
        if self.ledger is None or self.reported is None:
            return None
        return self.reported.quantity - self.ledger.quantity

    @property
    def amount_difference(self) -> Decimal | None:
        if self.ledger is None or self.reported is None or self.reported.amount is None:
            return None
        if self.reported.currency != self.ledger.currency:
            return None
        return self.reported.amount - self.ledger.amount


@dataclass(frozen=True)
class BrandReportCheck:
    """A brand report compared with the ledger, for the brands it names."""

    file: str
    brands: tuple[str, ...]
    rows_read: int
    rows_other_talents: int
    matched: int
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class Reconciliation:
    period: str
    status: str
    agency: Mapping[str, str]
    talents: tuple[Mapping[str, str], ...]
    matrix: tuple[UsageCell, ...]
    exceptions: tuple[BrandExceptions, ...]
    brand_report: BrandReportCheck | None
    contracts: tuple[ContractProvenance, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of `twinledger reconcile --json`: decimals as strings."""
        return {
            "period": self.period,
            "status": self.status,
            "agency": dict(self.agency),
            "talents": [dict(t) for t in self.talents],
            "matrix": [
                {
                    "talent": c.talent,
                    "talent_name": c.talent_name,
                    "brand": c.brand,
                    "brand_name": c.brand_name,
                    "metric": c.metric,
                    "currency": c.currency,
                    "quantity": str(c.quantity),
                    "amount": format_amount(c.amount, c.currency),
                    "contracts": list(c.contracts),
                }
                for c in self.matrix
            ],
            "exceptions": [
                {
                    "brand": b.brand,
                    "counts": dict(b.counts),
                    "exceptions": [dict(r) for r in b.rows],
                }
                for b in self.exceptions
            ],
            "brand_report": None if self.brand_report is None else _report_dict(self.brand_report),
            "contracts": [
                {
                    "contract": c.contract,
                    "talent": c.talent,
                    "brand": c.brand,
                    "twin": c.twin,
                    "consents": list(c.consents),
                    "content_credentials": None
                    if c.credentials_uses is None
                    else {"verified": c.credentials_verified, "uses": c.credentials_uses},
                }
                for c in self.contracts
            ],
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def difference_dict(d: Difference) -> dict[str, Any]:
    ledger, reported = d.ledger, d.reported
    return {
        "status": d.status,
        "brand": d.brand,
        "twin": d.twin,
        "contract": d.contract,
        "metric": d.metric,
        "line": d.line_no,
        "currency": ledger.currency if ledger else None,
        "ledger_quantity": _text(ledger.quantity) if ledger else None,
        "ledger_amount": format_amount(ledger.amount, ledger.currency) if ledger else None,
        "reported_currency": reported.currency if reported else None,
        "reported_quantity": _text(reported.quantity) if reported else None,
        "reported_amount": _text(reported.amount) if reported else None,
        "quantity_difference": _text(d.quantity_difference),
        "amount_difference": _text(d.amount_difference),
    }


def _report_dict(check: BrandReportCheck) -> dict[str, Any]:
    return {
        "file": check.file,
        "brands": list(check.brands),
        "rows_read": check.rows_read,
        "rows_other_talents": check.rows_other_talents,
        "matched": check.matched,
        "differences": [difference_dict(d) for d in check.differences],
    }


def reconcile(
    workspace: Workspace, period: str, agency_id: str, brand_report: Path | None = None
) -> Reconciliation:
    """Reconcile a settled (draft or closed) period for one agency."""
    docs = statements.documents(workspace, period)
    with reading(workspace.engine) as session:
        parties = load_parties(session)
        period_row = session.get(PeriodRow, period)
    agency = next((a for a in parties.agencies if a.id == agency_id), None)
    if agency is None:
        raise LedgerError(f"unknown agency {agency_id!r}")
    doc = next(
        (d for d in docs if d["party"]["type"] == "agency" and d["party"]["id"] == agency_id), None
    )
    blocks: list[Mapping[str, Any]] = list(doc["contracts"]) if doc else []
    names = {t.id: t.name for t in parties.talents if t.agency == agency_id}
    names |= {b["talent"]: b["talent_name"] for b in blocks}
    rows = [r for r in statements.exceptions(workspace, period) if r["talent"] in names]
    check = None
    if brand_report is not None:
        check = compare(read_brand_report(brand_report, period, parties), blocks, parties, names)
    return Reconciliation(
        period=period,
        status=period_row.status if period_row else "draft",
        agency={"id": agency.id, "name": agency.name, "currency": agency.currency},
        talents=tuple({"id": t, "name": names[t]} for t in sorted(names)),
        matrix=usage_matrix(blocks),
        exceptions=exceptions_by_brand(rows),
        brand_report=check,
        contracts=contract_provenance(blocks),
    )


def contract_provenance(blocks: Sequence[Mapping[str, Any]]) -> tuple[ContractProvenance, ...]:
    """Consents and content credentials per contract block, by talent, brand and contract."""
    found = []
    for block in blocks:
        credentials = block.get("content_credentials")
        found.append(
            ContractProvenance(
                block["contract"],
                block["talent"],
                block["brand"],
                block["twin"],
                tuple(c["id"] for c in block.get("consents", [])),
                credentials["verified"] if credentials else None,
                credentials["uses"] if credentials else None,
            )
        )
    return tuple(sorted(found, key=lambda c: (c.talent, c.brand, c.contract)))


def _metric_order(metric: str) -> int:
    return METRICS.index(metric) if metric in METRICS else len(METRICS)


def usage_matrix(blocks: Sequence[Mapping[str, Any]]) -> tuple[UsageCell, ...]:
    """Talent x brand x metric (x currency) from contract blocks of statement documents."""
    cells: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for block in blocks:
        for line in block["lines"]:
            key = (block["talent"], block["brand"], line["metric"], block["currency"])
            cell = cells.setdefault(
                key,
                {
                    "names": (block["talent_name"], block.get("brand_name") or block["brand"]),
                    "quantity": Decimal(0),
                    "amount": Decimal(0),
                    "contracts": [],
                },
            )
            cell["quantity"] += dec(line["quantity"])
            cell["amount"] += dec(line["amount"])
            if block["contract"] not in cell["contracts"]:
                cell["contracts"].append(block["contract"])
    ordered = sorted(cells, key=lambda k: (k[0], k[1], _metric_order(k[2]), k[3]))
    return tuple(
        UsageCell(
            k[0],
            cells[k]["names"][0],
            k[1],
            cells[k]["names"][1],
            k[2],
            k[3],
            cells[k]["quantity"],
            cells[k]["amount"],
            tuple(sorted(cells[k]["contracts"])),
        )
        for k in ordered
    )


def exceptions_by_brand(rows: Sequence[Mapping[str, Any]]) -> tuple[BrandExceptions, ...]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["brand"]].append({k: row.get(k) for k in EXCEPTION_KEYS})
    result = []
    for brand in sorted(grouped):
        counts = {k: sum(1 for r in grouped[brand] if r["kind"] == k) for k in EXCEPTION_KINDS}
        result.append(
            BrandExceptions(brand, {k: n for k, n in counts.items() if n}, tuple(grouped[brand]))
        )
    return tuple(result)


def ledger_lines(blocks: Sequence[Mapping[str, Any]]) -> dict[LineKey, LedgerLine]:
    """The ledger's usage per (brand, twin, contract, metric): quantities and amounts summed."""
    sums: dict[LineKey, LedgerLine] = {}
    for block in blocks:
        for line in block["lines"]:
            key = (block["brand"], block["twin"], block["contract"], line["metric"])
            before = sums.get(key, LedgerLine(block["currency"], Decimal(0), Decimal(0)))
            sums[key] = LedgerLine(
                block["currency"],
                before.quantity + dec(line["quantity"]),
                before.amount + dec(line["amount"]),
            )
    return sums


def compare(
    report: tuple[str, Sequence[ReportLine]],
    blocks: Sequence[Mapping[str, Any]],
    parties: Parties,
    talents: Mapping[str, str],
) -> BrandReportCheck:
    """Differences between a parsed brand report and the ledger, for the agency's talents and the
    brands the report names."""
    file, lines = report
    owner = {w.id: w.talent for w in parties.twins}
    mine = [r for r in lines if owner.get(r.twin) in talents]
    brands = tuple(sorted({r.brand for r in lines}))
    ledger = {k: v for k, v in ledger_lines(blocks).items() if k[0] in brands}
    reported = {r.key: r for r in mine}
    differences: list[Difference] = []
    matched = 0
    for key in sorted(set(ledger) | set(reported), key=lambda k: (*k[:3], _metric_order(k[3]))):
        have, got = ledger.get(key), reported.get(key)
        status = _status(have, got)
        if status is None:
            matched += 1
            continue
        differences.append(Difference(status, *key, got.line_no if got else None, have, got))
    return BrandReportCheck(
        file, brands, len(lines), len(lines) - len(mine), matched, tuple(differences)
    )


def _status(ledger: LedgerLine | None, reported: ReportLine | None) -> str | None:
    if reported is None:
        return "missing"
    if ledger is None:
        return "extra"
    quantity = reported.quantity != ledger.quantity
    amount = reported.amount is not None and (
        reported.currency != ledger.currency or reported.amount != ledger.amount
    )
    if quantity and amount:
        return "quantity_and_amount_differ"
    if quantity:
        return "quantity_differs"
    return "amount_differs" if amount else None
