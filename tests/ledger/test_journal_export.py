"""`journal export`: beancount that beancount loads with zero errors and whose balances equal
`balances`, and CSV with one row per posting that sums to zero per entry and currency."""

from __future__ import annotations

import csv
import textwrap
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data, realization

from ledger.accounting.chart import ChartAccount, Rule
from ledger.accounting.names import beancount_account, component
from reports.journal_export import CSV_COLUMNS
from tests.conftest import Books
from tests.ledger.demo_books import settle_demo


def _beancount_balances(path: Path) -> dict[tuple[str, str], Decimal]:
    """Per twinledger account and currency, the balance beancount's own realization computes."""
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    names = {e.account: e.meta["twinledger"] for e in entries if isinstance(e, data.Open)}
    balances: dict[tuple[str, str], Decimal] = {}
    for real in realization.iter_children(realization.realize(entries)):
        for position in real.balance:
            units = position.units
            if units.number:
                balances[(names[real.account], units.currency)] = units.number
    return balances


def test_exports_of_the_demo_match_balances_and_sum_to_zero(books: Books) -> None:
    settle_demo(books)
    out = books.files / "books.beancount"
    done = books.ok("journal", "export", "--from", "2026-09", "--to", "2026-10",
                    "--format", "beancount", "--out", out)  # fmt: skip
    assert (done["entries"], done["postings"], done["accounts"]) == (22, 82, 13)
    trial = {
        (r["account"], r["currency"]): Decimal(r["balance"])
        for r in books.ok("balances")["accounts"]
        if Decimal(r["balance"])
    }
    assert _beancount_balances(out) == trial
    assert ("talent:liv-s:payable", "SEK") not in trial  # paid out: its balance is zero
    entries, _, _ = loader.load_file(str(out))
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(transactions) == 22
    first = next(t for t in transactions if t.meta["reference"] == "2026-09:ZEP-2026-001")
    assert first.links == {"NORDLYS-2026-000002"}  # the invoice that charged it
    assert len(first.meta["hash"]) == 64
    payout = next(t for t in transactions if t.meta["reference"] == "2026-10:payout:talent:liv-s")
    assert payout.links == {"ST-2026-10-T-liv-s"}

    out = books.files / "october.csv"
    done = books.ok("journal", "export", "--period", "2026-10", "--format", "csv", "--out", out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == done["postings"] == 44
    assert {r["period"] for r in rows} == {"2026-10"}
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        assert (r["debit"] == "") != (r["credit"] == "")
        sums[(r["entry"], r["currency"])] += Decimal(r["debit"] or 0) - Decimal(r["credit"] or 0)
    assert set(sums.values()) == {Decimal(0)}
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for (_, ccy), total in sums.items():
        per_currency[ccy] += total
    assert set(per_currency.values()) == {Decimal(0)}
    invoice = [r for r in rows if r["account"] == "brand:smith:receivable"]
    assert [(r["debit"], r["currency"], r["document"]) for r in invoice] == [
        (invoice[0]["debit"], "GBP", "NORDLYS-2026-000003")
    ]


def test_accounts_mapping_numbers_every_account_or_lists_the_unmapped(books: Books) -> None:
    settle_demo(books, ("2026-09",))
    chart = books.write(
        "chart.toml",
        """
        [accounts]
        "brand:*:receivable" = { number = "1400", name = "Receivables from brands" }
        "talent:*:payable" = "3300"
        "talent:zoe-l:payable" = "3301"
        """,
    )
    out = books.files / "mapped.csv"
    message = books.refused("journal", "export", "--format", "csv", "--accounts", chart,
                            "--out", out)  # fmt: skip
    assert message == (
        f"error: {chart}: no chart account for 6 journal account(s): agency:athena:payable, "
        "agency:nordlys:payable, fx:clearing, payouts:due, vat:nordlys:SE:payable, "
        "withholding:sofia-p:payable"
    )
    assert not out.exists()
    with chart.open("a", encoding="utf-8") as handle:
        handle.write('"agency:*:payable" = "3400"\n"withholding:*:payable" = "3730"\n')
        handle.write('"fx:clearing" = "1590"\n"payouts:*" = "3310"\n"vat:*:*:payable" = "3806"\n')
    books.ok("journal", "export", "--format", "csv", "--accounts", chart, "--out", out)
    with out.open(encoding="utf-8", newline="") as handle:
        numbers = {r["account"]: r["account_number"] for r in csv.DictReader(handle)}
    assert numbers["talent:zoe-l:payable"] == "3301"  # the exact key wins over the pattern
    assert numbers["talent:sofia-p:payable"] == "3300"
    assert numbers["brand:zephyr:receivable"] == "1400"
    assert numbers["fx:clearing"] == "1590"


def test_a_bad_mapping_or_period_is_refused_and_nothing_written(books: Books) -> None:
    out = books.files / "x.beancount"
    bad = books.write("bad.toml", '[accounts]\n"talent:*:payable" = { numbr = "3300" }\n')
    refused = books.refused(
        "journal", "export", "--format", "beancount", "--accounts", bad, "--out", out
    )
    assert refused == (
        f"error: {bad}: accounts.'talent:*:payable': numbr: unknown key; did you mean "
        "'number'? (and 1 more problem(s))"
    )
    refused = books.refused(
        "journal", "export", "--from", "2026-10", "--to", "2026-09", "--format", "csv", "--out", out
    )
    assert refused == "error: --from 2026-10 is after --to 2026-09"
    assert books.cli("journal", "export", "--format", "xml", "--out", out).exit_code == 2
    assert not out.exists()


def test_beancount_names_are_valid_and_give_the_id_back() -> None:
    assert beancount_account("talent:liv-s:payable") == "Liabilities:Payable:Talents:Liv-s:Payable"
    assert (
        beancount_account("brand:9lives:receivable") == "Assets:Receivable:Brands:9lives:Receivable"
    )
    assert beancount_account("payouts:in-transit") == "Liabilities:Payouts:In-transit"
    assert beancount_account("adjustments:manual") == "Expenses:Adjustments:Manual"
    assert beancount_account("odd:x_y") == "Equity:Other:Odd:X-y"
    assert component("_a") == "X-a"
    assert component("liv-s").lower() == "liv-s"  # party ids are lowercase slugs


def test_the_most_specific_rule_wins() -> None:
    from ledger.accounting.chart import Chart

    chart = Chart(
        (
            Rule(("*", "*", "payable"), ChartAccount("3000")),
            Rule(("talent", "*", "payable"), ChartAccount("3300")),
            Rule(("talent", "liv-s", "payable"), ChartAccount("3301")),
        )
    )
    assert chart.lookup("talent:liv-s:payable") == ChartAccount("3301")
    assert chart.lookup("talent:zoe-l:payable") == ChartAccount("3300")
    assert chart.lookup("agency:nordlys:payable") == ChartAccount("3000")
    assert chart.lookup("fx:clearing") is None


@pytest.mark.parametrize("memo", ['say "hi"', "back\\slash"])
def test_beancount_strings_are_escaped(memo: str, tmp_path: Path) -> None:
    from datetime import date

    from ledger.accounting.entries import Export, ExportEntry
    from ledger.journal import JournalEntry, Posting
    from reports.journal_export import beancount

    entry = JournalEntry(
        1, "2026-01", "adjustment", "2026-01:adjust:1", memo,
        (Posting("talent:a:payable", "EUR", Decimal("-1.50")),
         Posting("adjustments:manual", "EUR", Decimal("1.50"))),
        "0" * 64, "1" * 64,
    )  # fmt: skip
    names = {a: beancount_account(a) for a in ("talent:a:payable", "adjustments:manual")}
    text = beancount(Export((ExportEntry(entry, date(2026, 2, 1), ""),), names, None))
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    assert [e.narration for e in entries if isinstance(e, data.Transaction)] == [memo]
    assert textwrap.dedent(text).count("open ") == 2
