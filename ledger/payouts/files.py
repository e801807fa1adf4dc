"""The files of a payout run: the SEPA credit transfers as pain.001.001.03 (written by
``sepaxml``, which validates the document against the schema it ships) and the manual payments
as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from xml.etree import ElementTree

from sepaxml import SepaTransfer
from sepaxml.validation import ValidationError

from ledger.domain import Payer
from ledger.errors import LedgerError
from ledger.money import format_amount
from ledger.payouts.plan import SEPA_CURRENCY, Transfer

MANUAL_COLUMNS = (
    "statement",
    "party_type",
    "party",
    "name",
    "currency",
    "amount",
    "iban",
    "bic",
    "end_to_end_id",
    "reason",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def sepa_xml(
    run_id: str, period: str, payer: Payer, execution_date: date, transfers: list[Transfer]
) -> bytes:
    """One pain.001.001.03 document: the run id as its message id, one payment information
    block of all transfers (batch booking), each transfer's end-to-end id and remittance text
    naming the statement it pays."""
    config: dict[str, object] = {
        "name": payer.name,
        "IBAN": payer.iban,
        "currency": SEPA_CURRENCY,
        "batch": True,
    }
    if payer.bic:
        config["BIC"] = payer.bic
    document = SepaTransfer(config, schema="pain.001.001.03", clean=True)
    header = document._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId")  # the run names the message
    if header is not None:
        header.text = run_id
    for t in transfers:
        p = t.payable
        payment: dict[str, object] = {
            "name": p.name,
            "IBAN": p.iban,
            "amount": int(p.amount.scaleb(2)),  # cents
            "execution_date": execution_date,
            "description": f"{p.statement} payout {period}",
            "endtoend_id": t.end_to_end_id,
        }
        if p.bic:
            payment["BIC"] = p.bic
        document.add_payment(payment)
    try:
        return bytes(document.export(validate=True))
    except ValidationError as error:
        cause = error.__cause__
        raise LedgerError(
            f"payout run {run_id}: the SEPA file does not validate: {cause}"
        ) from None


def parse_sepa(data: bytes) -> list[dict[str, str]]:
    """The transfers of a pain.001 document (end-to-end id, amount, currency, IBAN, name) and
    its group header's count and control sum, for checks and tests."""
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    root = ElementTree.fromstring(data)
    rows = []
    for tx in root.iterfind(".//p:CdtTrfTxInf", ns):
        amount = tx.find("p:Amt/p:InstdAmt", ns)
        rows.append(
            {
                "end_to_end_id": tx.findtext("p:PmtId/p:EndToEndId", "", ns),
                "amount": amount.text if amount is not None and amount.text else "",
                "currency": amount.get("Ccy", "") if amount is not None else "",
                "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", "", ns),
                "name": tx.findtext("p:Cdtr/p:Nm", "", ns),
            }
        )
    return rows


def _cell(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def manual_csv(transfers: list[Transfer]) -> bytes:
    """One row per payment to make by hand, with the reason."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANUAL_COLUMNS)
    for t in transfers:
        p = t.payable
        writer.writerow(
            _cell(v)
            for v in (
                p.statement,
                p.party_type,
                p.party_id,
                p.name,
                p.currency,
                format_amount(p.amount, p.currency),
                p.iban,
                p.bic,
                t.end_to_end_id,
                t.reason,
            )
        )
    return buffer.getvalue().encode("utf-8")
