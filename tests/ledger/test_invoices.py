"""Invoices a brand can book (SPEC 4.3.1, 4.4): per issuer, numbered in gapless series, with
VAT by case (domestic, EU reverse charge, outside the EU), credit notes, the journal and the
audit. Every figure worked by hand."""

from __future__ import annotations

import json
from typing import Any

from tests import shared
from tests.conftest import Books

SE = {"lines": ["Sveavägen 1"], "postal_code": "111 57", "city": "Stockholm", "country": "SE"}
AGENCY = {
    "legal_name": "Nordlys Model Management AB",
    "vat_id": "SE556677889901",
    "tax_registered": True,
}


def _address(address: dict[str, Any]) -> shared.Raw:
    fields = ", ".join(f"{k} = {shared._value(v)}" for k, v in address.items())
    return shared.Raw("{ " + fields + " }")


PARTIES = shared.parties(
    shared.party(
        "agencies",
        id="nordlys",
        name="Nordlys",
        currency="EUR",
        commission="0.20",
        address=_address(SE),
        **AGENCY,
    ),
    shared.party("talents", id="liv", name="Liv", agency="nordlys", payout_currency="EUR"),
    shared.party("twins", id="w1", talent="liv"),
    # same country as the agency: Swedish VAT, 25 %
    shared.party(
        "brands",
        id="zephyr",
        name="Zephyr & Co",
        currency="EUR",
        address=_address({"lines": ["Kungsgatan 2"], "city": "Göteborg", "country": "SE"}),
    ),
    # another EU country, with a VAT id: reverse charge
    shared.party(
        "brands",
        id="berlin",
        name="Berlin GmbH",
        currency="EUR",
        vat_id="DE136695976",
        address=_address({"lines": ["Hauptstraße 5"], "city": "Berlin", "country": "DE"}),
    ),
    # outside the EU: outside the scope of EU VAT
    shared.party(
        "brands",
        id="acme",
        name="Acme Inc.",
        currency="EUR",
        address=_address({"lines": ["1 Main St"], "city": "New York", "country": "US"}),
    ),
)


def contract(cid: str, brand: str, price: str) -> str:
    return shared.contract(cid, brand, "w1", "EUR", shared.rate("publications", price=price))


def publications(brand: str, month: int, count: int) -> str:
    rows = [shared.HEADER, f"{brand}r{month},2026-{month:02d}-01T08:00:00Z,render,w1,a1,,,still,,"]
    rows += [
        f"{brand}{month}-{n},2026-{month:02d}-{n + 2:02d}T12:00:00Z,publication,w1,a1,social,"
        "SE,still,,true"
        for n in range(count)
    ]
    return "\n".join(rows) + "\n"


def setup(books: Books, parties: str = PARTIES) -> None:
    books.ok("parties", "import", books.write("parties.toml", parties))
    for cid, brand, price in (("Z1", "zephyr", "12.50"), ("B1", "berlin", "100.00")):
        books.ok("contracts", "import", books.write(f"{cid}.toml", contract(cid, brand, price)))
    books.ok("contracts", "import", books.write("A1.toml", contract("A1", "acme", "33.33")))
    for brand, count in (("zephyr", 1), ("berlin", 2), ("acme", 3)):
        log = books.write(f"{brand}3.csv", publications(brand, 3, count))
        books.ok("ingest", log, "--brand", brand)


KEYS = ("document", "number", "net", "vat", "gross", "total", "issue_date", "due_date")


def documents(books: Books, period: str, brand: str) -> list[dict[str, Any]]:
    data = books.ok("statements", "data", period, "--party", brand)
    return [{k: d[k] for k in KEYS} | {"issuer": d["issuer"]} for d in data["documents"]]


def _balance(books: Books, account: str) -> str | None:
    for row in books.ok("balances")["accounts"]:
        if row["account"] == account:
            return str(row["balance"])
    return None


def test_the_three_vat_cases_and_a_credit_note(books: Books) -> None:
    setup(books)
    books.ok("settle", "run", "2026-03")
    draft = books.ok("statements", "data", "2026-03", "--party", "zephyr")["documents"]
    assert [d["number"] for d in draft] == [None]  # a draft has no number
    books.ok("settle", "close", "2026-03")
    [zephyr] = documents(books, "2026-03", "zephyr")
    day = zephyr["issue_date"]
    # Domestic (SE -> SE): 1 x 12.50 = 12.50 net; VAT 25 % = 3.125, rounded half-even to 3.12
    assert zephyr == {
        "document": "invoice",
        "number": "NORDLYS-2026-000003",  # series order: acme, berlin, zephyr
        "net": "12.50",
        "vat": [
            {"rate": "0.25", "base": "12.50", "amount": "3.12", "category": "S", "mention": None}
        ],
        "gross": "15.62",
        "total": "15.62",
        "issue_date": day,
        "due_date": zephyr["due_date"],
        "issuer": {"id": "nordlys", "name": "Nordlys"},
    }
    assert (_days(day, zephyr["due_date"])) == 30
    # EU reverse charge (SE -> DE, with VAT id): 2 x 100.00 = 200.00, VAT 0, with the mention
    [berlin] = documents(books, "2026-03", "berlin")
    assert (berlin["number"], berlin["net"], berlin["gross"]) == (
        "NORDLYS-2026-000002",
        "200.00",
        "200.00",
    )
    assert berlin["vat"] == [
        {
            "rate": "0",
            "base": "200.00",
            "amount": "0.00",
            "category": "AE",
            "mention": "Reverse charge: VAT to be accounted for by the customer "
            "(Article 196, Directive 2006/112/EC)",
        }
    ]
    # Outside the EU (SE -> US): 3 x 33.33 = 99.99, VAT 0
    [acme] = documents(books, "2026-03", "acme")
    assert (acme["number"], acme["net"], acme["gross"]) == ("NORDLYS-2026-000001", "99.99", "99.99")
    assert (acme["vat"][0]["category"], acme["vat"][0]["amount"]) == ("O", "0.00")
    assert acme["vat"][0]["mention"].startswith("Outside the scope of EU VAT")

    # The royalties never carry VAT: the talent's and agency's figures are the net ones
    [z1] = [
        c
        for c in books.ok("statements", "data", "2026-03", "--party", "liv")["contracts"]
        if c["contract"] == "Z1"
    ]
    assert (z1["brand_due"], z1["commission"], z1["talent_net"]) == ("12.50", "2.50", "10.00")
    # The journal: zephyr owes 15.62, of which 3.12 is VAT payable to Sweden
    assert _balance(books, "brand:zephyr:receivable") == "15.62"
    assert _balance(books, "vat:nordlys:SE:payable") == "-3.12"

    # April: Z1's price is cut to 2.50 back to March: 12.50 -> 2.50, a credit note of 10.00 net
    books.ok(
        "contracts", "import", books.write("Z1.toml", contract("Z1", "zephyr", "2.50")), "--amend"
    )
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    data = books.ok("statements", "data", "2026-04", "--party", "zephyr")
    [credit] = data["documents"]
    # VAT on -10.00 at 25 % = -2.50: credited 10.00 + 2.50 = 12.50, in its own series
    assert (credit["document"], credit["number"], credit["net"], credit["gross"]) == (
        "credit_note",
        "CN-NORDLYS-2026-000001",
        "10.00",
        "12.50",
    )
    assert credit["vat"][0]["amount"] == "2.50"
    assert credit["corrects"] == [{"period": "2026-03", "number": "NORDLYS-2026-000003"}]
    assert data["summary"]["due"] == {"EUR": "-10.00"}  # the net royalty charge
    # berlin and acme had nothing in April: no documents, no numbers spent
    assert documents(books, "2026-04", "berlin") == []
    assert _balance(books, "vat:nordlys:SE:payable") == "-0.62"  # 3.12 - 2.50
    assert _balance(books, "brand:zephyr:receivable") == "3.12"  # 15.62 - 12.50
    assert books.ok("audit", "verify")["ok"] is True

    # May: new usage continues the invoice series of the year
    books.ok("ingest", books.write("b5.csv", publications("berlin", 5, 1)), "--brand", "berlin")
    books.ok("settle", "run", "2026-05")
    books.ok("settle", "close", "2026-05")
    assert [d["number"] for d in documents(books, "2026-05", "berlin")] == ["NORDLYS-2026-000004"]
    # re-rendering a closed period keeps its numbers, and a closed period cannot be reopened
    books.ok("statements", "render", "2026-03")
    assert [d["number"] for d in documents(books, "2026-03", "zephyr")] == ["NORDLYS-2026-000003"]
    assert "closed" in books.refused("settle", "reopen", "2026-03")
    _numbers_as_issued(books)


def _numbers_as_issued(books: Books) -> None:
    """The numbers a settlement cites for the documents it corrects, taken out of the stored
    statements by the database, are those of the whole documents; a statement issued before
    brands had credit notes still gives its invoice's number (issuer ``*``)."""
    from sqlmodel import select

    from ledger.settlement.documents import brand_document_number, brand_documents_of
    from ledger.settlement.service import document_numbers
    from ledger.storage.db import reading
    from ledger.storage.tables import StatementRow

    wanted = {(p, b) for p in ("2026-03", "2026-04", "2026-05") for b in ("zephyr", "berlin")}
    with reading(books.workspace.engine) as session:
        rows = session.exec(select(StatementRow).where(StatementRow.party_type == "brand")).all()
        expected = {
            (r.period, d["issuer"]["id"], r.party_id, d["currency"]): d["number"]
            for r in rows
            if (r.period, r.party_id) in wanted
            for d in brand_documents_of(json.loads(r.document))
        }
        assert document_numbers(session, wanted) == expected
        assert ("2026-04", "nordlys", "zephyr", "EUR") in expected  # the credit note
        row = session.get(StatementRow, ("2026-03", "brand", "zephyr"))
        assert row is not None
        legacy = {"statement_id": row.statement_id, "summary": {"due": {"EUR": "12.50"}}}
        row.document = json.dumps(legacy)
        session.flush()
        found = document_numbers(session, {("2026-03", "zephyr")})
        invoice = brand_document_number(row.statement_id, "invoice", "EUR")
        assert found == {("2026-03", "*", "zephyr", "EUR"): invoice}
        session.rollback()


def _days(start: str, end: str) -> int:
    from datetime import date

    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def test_close_refuses_an_invoice_that_lacks_a_legal_field(books: Books) -> None:
    parties = PARTIES.replace('    vat_id = "SE556677889901"\n', "").replace(
        '    vat_id = "DE136695976"\n', ""
    )
    setup(books, parties)
    books.ok("settle", "run", "2026-03")
    message = books.refused("settle", "close", "2026-03")
    assert message == (
        "error: period 2026-03 not closed: agency nordlys: vat_id: missing; needed on the "
        "invoice to brand acme in EUR (and 3 more)"
    )
    # the draft still renders, marked DRAFT; nothing was numbered or posted
    rendered = books.ok("statements", "render", "2026-03", "--party", "berlin")
    assert rendered["status"] == "draft"
    assert books.ok("settle", "status", "2026-03")["status"] == "draft"
    # with the agency's VAT id, the reverse charge still needs the customer's
    fixed = parties.replace(
        "    tax_registered = true\n",
        '    tax_registered = true\n    vat_id = "SE556677889901"\n',
        1,
    )
    books.ok("parties", "import", books.write("parties.toml", fixed))
    books.ok("settle", "run", "2026-03")
    assert books.refused("settle", "close", "2026-03") == (
        "error: period 2026-03 not closed: brand berlin: vat_id: missing; needed for the reverse "
        "charge on invoices from agency nordlys"
    )
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    numbers = [documents(books, "2026-03", b)[0]["number"] for b in ("acme", "berlin", "zephyr")]
    # the refused closes spent no numbers
    assert numbers == ["NORDLYS-2026-000001", "NORDLYS-2026-000002", "NORDLYS-2026-000003"]


def test_audit_finds_vat_payable_that_no_invoice_shows(books: Books) -> None:
    from decimal import Decimal

    from ledger import audit
    from ledger.journal import Posting, post
    from ledger.storage.db import writing

    setup(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.tampered = True  # a VAT entry no document backs, appended through the journal's API
    with writing(books.workspace.engine) as session:
        post(
            session,
            "2026-03",
            "settlement",
            "2026-03:vat:extra",
            "VAT without an invoice",
            [
                Posting("brand:zephyr:receivable", "EUR", Decimal("1.00")),
                Posting("vat:nordlys:SE:payable", "EUR", Decimal("-1.00")),
            ],
        )
    problems = audit.verify(books.workspace)["problems"]
    assert (
        "VAT payable of nordlys in SE (EUR) is 4.12 in the journal but 3.12 on the invoices "
        "and credit notes issued"
    ) in problems


def test_a_contract_sets_its_payment_terms(books: Books) -> None:
    setup(books)
    with_terms = contract("B1", "berlin", "100.00").replace(
        '    id = "B1"\n', '    id = "B1"\n    payment_days = 14\n'
    )
    books.ok("contracts", "import", books.write("B1.toml", with_terms), "--amend")
    bad = with_terms.replace("payment_days = 14", "payment_days = 400")
    message = books.refused("contracts", "import", books.write("B1.toml", bad), "--amend")
    assert message.endswith("contract B1: payment_days: must be from 0 to 365 days, got 400")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    [berlin] = documents(books, "2026-03", "berlin")
    [zephyr] = documents(books, "2026-03", "zephyr")
    assert _days(berlin["issue_date"], berlin["due_date"]) == 14
    assert _days(zephyr["issue_date"], zephyr["due_date"]) == 30  # the default
    # re-importing a contract without payment terms is still a no-op
    again = books.ok(
        "contracts", "import", books.write("Z1.toml", contract("Z1", "zephyr", "12.50"))
    )
    assert again["unchanged"] == ["Z1"]
