"""`journal export` formats: beancount and CSV, one registry (docs/accounting.md).

Each format renders an ``Export`` (``ledger.accounting.entries``) to text; the CLI writes it
whole or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from ledger.accounting.entries import Export
from ledger.money import format_amount
from reports.exports import csv_cell

CSV_COLUMNS = (
    "entry",
    "date",
    "period",
    "account",
    "account_number",
    "debit",
    "credit",
    "currency",
    "description",
    "document",
)


def _quote(text: str) -> str:
    """A beancount string: backslashes and double quotes escaped, on one line."""
    flat = " ".join(text.splitlines())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _link(number: str) -> str:
    return "^" + "".join(c if c.isascii() and (c.isalnum() or c in "-_/.") else "-" for c in number)


def beancount(export: Export) -> str:
    """One ``open`` per account (dated on its first use, the twinledger name and any chart
    number as metadata) and one transaction per journal entry: its hash, sequence number,
    reference, kind and period as metadata, the document it books as a link."""
    first_use: dict[str, date] = {}
    for e in export.entries:
        for p in e.entry.postings:
            day = first_use.get(p.account)
            first_use[p.account] = e.posted_on if day is None else min(day, e.posted_on)
    out = ['option "title" "twinledger journal"', ""]
    for account in sorted(first_use, key=lambda a: (first_use[a], export.beancount_names[a])):
        out.append(f"{first_use[account].isoformat()} open {export.beancount_names[account]}")
        out.append(f"  twinledger: {_quote(account)}")
        if export.chart is not None:
            mapped = export.chart[account]
            out.append(f"  account_number: {_quote(mapped.number)}")
            if mapped.name:
                out.append(f"  account_name: {_quote(mapped.name)}")
    out.append("")
    for e in export.entries:
        entry = e.entry
        link = f" {_link(e.document)}" if e.document else ""
        out.append(f"{e.posted_on.isoformat()} * {_quote(entry.memo)}{link}")
        out.append(f"  hash: {_quote(entry.hash)}")
        out.append(f'  seq: "{entry.seq}"')
        out.append(f"  reference: {_quote(entry.reference)}")
        out.append(f"  kind: {_quote(entry.kind)}")
        out.append(f'  period: "{entry.period}"')
        for p in entry.postings:
            amount = format_amount(p.amount, p.currency)
            out.append(f"  {export.beancount_names[p.account]}  {amount} {p.currency}")
        out.append("")
    return "\n".join(out)


def journal_csv(export: Export) -> str:
    """One row per posting: debit and credit as positive amounts in minor units, the chart's
    account number when a mapping was given."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in export.entries:
        entry = e.entry
        for p in entry.postings:
            debit = format_amount(p.amount, p.currency) if p.amount > 0 else ""
            credit = format_amount(-p.amount, p.currency) if p.amount < 0 else ""
            number = export.chart[p.account].number if export.chart is not None else ""
            row: list[str | int] = [
                entry.seq,
                e.posted_on.isoformat(),
                entry.period,
                p.account,
                number,
                debit,
                credit,
                p.currency,
                entry.memo,
                e.document,
            ]
            writer.writerow([csv_cell(c) for c in row])
    return buffer.getvalue()


FORMATS: dict[str, Callable[[Export], str]] = {"beancount": beancount, "csv": journal_csv}
