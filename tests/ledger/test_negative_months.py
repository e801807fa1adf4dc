"""Money that goes back (SPEC 4.3, 4.4): a retroactive price cut into a closed month makes the
next month net negative. Talents and agencies carry the debt and net it against later earnings,
the brand gets a credit note, withholding reverses, and the books still balance. Worked by hand."""

from __future__ import annotations

from tests import shared
from tests.conftest import Books

PARTIES = shared.one_talent(
    agency="Agence Étoile",
    agency_fields={"min_payout": "100.00"},
    talent_fields={"withholding_rate": "0.10"},
)

CONTRACT = shared.contract("K1", "b1", "w1", "EUR", shared.rate("publications", price="PRICE"))

USD_CONTRACT = shared.contract("K2", "b1", "w2", "USD", shared.rate("publications", price="30.00"))

SECOND_TALENT = shared.parties(
    shared.party("talents", id="t2", name="Ola Nordmann", payout_currency="EUR"),
    shared.party("twins", id="w2", talent="t2"),
)

FX = """
    Date,USD,
    2026-03-31,1.2000,
    2026-04-30,1.2500,
    2026-05-29,1.2500,
"""

HEADER = shared.HEADER


def publications(prefix: str, month: int, count: int, twin: str = "w1") -> str:
    rows = [HEADER, f"{prefix}r,2026-{month:02d}-01T08:00:00Z,render,{twin},a1,,,still,,"]
    rows += [
        f"{prefix}{n},2026-{month:02d}-{n % 27 + 2:02d}T12:00:00Z,publication,{twin},a1,social,"
        "SE,still,,true"
        for n in range(count)
    ]
    return "\n".join(rows) + "\n"


def close(books: Books, period: str) -> None:
    books.ok("settle", "run", period)
    books.ok("settle", "close", period)
    assert books.ok("audit", "verify")["ok"] is True


def summary(books: Books, period: str, party: str) -> dict[str, str]:
    data = books.ok("statements", "data", period, "--party", party)["summary"]
    return {k: v for k, v in data.items() if k != "fx_rates"}


def test_a_price_cut_into_a_closed_month_is_carried_and_netted(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT.replace("PRICE", "100.00")))
    books.ok("ingest", books.write("m3.csv", publications("m", 3, 10)), "--brand", "b1")
    close(books, "2026-03")
    # March: 10 x 100.00 = 1000.00; commission 20% = 200.00; withholding 10% of 800.00 = 80.00
    [march] = books.ok("statements", "data", "2026-03", "--party", "t1")["contracts"]
    assert (march["brand_due"], march["commission"], march["withholding"]) == (
        "1000.00",
        "200.00",
        "80.00",
    )
    assert summary(books, "2026-03", "ag")["payable"] == "200.00"

    # The price is cut to 50.00 for the whole term, reaching back into closed March
    books.ok(
        "contracts",
        "import",
        books.write("K1.toml", CONTRACT.replace("PRICE", "50.00")),
        "--amend",
    )
    books.ok("ingest", books.write("m4.csv", publications("a", 4, 2)), "--brand", "b1")
    close(books, "2026-04")

    [april] = books.ok("statements", "data", "2026-04", "--party", "t1")["contracts"]
    # April's own: 2 x 50.00 = 100.00; commission 20.00; withholding 10% of 80.00 = 8.00; net 72.00
    assert (april["brand_due"], april["commission"], april["withholding"]) == (
        "100.00",
        "20.00",
        "8.00",
    )
    # March again at 50.00: 500.00, commission 100.00, withholding 40.00, net 360.00; the
    # difference to what March issued is carried, every component negative
    [march_again] = april["prior_period_adjustments"]
    assert {k: march_again[k] for k in ("period", "usage", "brand_due", "commission")} == {
        "period": "2026-03",
        "usage": "-500.00",
        "brand_due": "-500.00",
        "commission": "-100.00",
    }
    assert (march_again["withholding"], march_again["talent_net"]) == ("-40.00", "-360.00")

    # Talent: 72.00 - 360.00 = -288.00: nothing paid, the debt carried forward
    assert summary(books, "2026-04", "t1") == {
        "opening_balance": "0.00",
        "net_this_period": "-288.00",
        "adjustments": "0.00",
        "balance": "-288.00",
        "carried_forward": "-288.00",
        "payable": "0.00",
        "min_payout": "0.00",
    }
    # Agency: commission 20.00 - 100.00 = -80.00: payable 0.00, -80.00 carried
    assert summary(books, "2026-04", "ag") == {
        "commission": "-80.00",
        "opening_balance": "0.00",
        "adjustments": "0.00",
        "balance": "-80.00",
        "carried_forward": "-80.00",
        "payable": "0.00",
        "min_payout": "100.00",
    }
    # Brand: 100.00 - 500.00 = -400.00: a credit note for 400.00 correcting March's invoice
    brand = books.ok("statements", "data", "2026-04", "--party", "b1")
    assert brand["summary"]["due"] == {"EUR": "-400.00"}
    keys = ("document", "number", "currency", "total", "corrects", "reasons", "net", "gross")
    assert [{k: d[k] for k in keys} for d in brand["documents"]] == [
        {
            "document": "credit_note",
            "number": "CN-AG-2026-000001",  # the issuer's (the agency's) credit note series
            "currency": "EUR",
            "total": "400.00",
            "net": "400.00",  # an issuer not registered for VAT charges none
            "gross": "400.00",
            "corrects": [{"period": "2026-03", "number": "AG-2026-000001"}],
            "reasons": [
                {
                    "contract": "K1",
                    "period": "2026-03",
                    "changes": [{"change": "amendment", "detail": "revision 1 replaced by 2"}],
                    "amount": "-500.00",
                }
            ],
        }
    ]
    # Withholding reverses: 8.00 - 40.00 = -32.00 less withholding payable
    assert _balance(books, "withholding:t1:payable", "EUR") == "48.00"  # 80.00 - 32.00
    assert _balance(books, "agency:ag:payable", "EUR") == "-80.00"
    assert _balance(books, "talent:t1:payable", "EUR") == "-288.00"

    # May: 30 x 50.00 = 1500.00; commission 300.00; withholding 120.00; net 1080.00
    books.ok("ingest", books.write("m5.csv", publications("b", 5, 30)), "--brand", "b1")
    close(books, "2026-05")
    assert summary(books, "2026-05", "t1") == {
        "opening_balance": "-288.00",
        "net_this_period": "1080.00",
        "adjustments": "0.00",
        "balance": "792.00",
        "carried_forward": "0.00",
        "payable": "792.00",
        "min_payout": "0.00",
    }
    # the agency is paid only what exceeds its debt: 300.00 - 80.00 = 220.00
    assert summary(books, "2026-05", "ag") == {
        "commission": "300.00",
        "opening_balance": "-80.00",
        "adjustments": "0.00",
        "balance": "220.00",
        "carried_forward": "0.00",
        "payable": "220.00",
        "min_payout": "100.00",
    }
    brand = books.ok("statements", "data", "2026-05", "--party", "b1")
    assert [(d["document"], d["number"], d["total"]) for d in brand["documents"]] == [
        ("invoice", "AG-2026-000002", "1500.00")
    ]
    # paid in all = earned in all: talent 720 + 0 + 792 = 1512 = 360 + 72 + 1080 (March, April,
    # May at the new price); agency 200 + 0 + 220 = 420 = 100 + 20 + 300
    assert _paid(books, "talent:t1:payable") == "1512.00"
    assert _paid(books, "agency:ag:payable") == "420.00"
    assert _balance(books, "agency:ag:payable", "EUR") == "0.00"
    assert _balance(books, "talent:t1:payable", "EUR") == "0.00"


def test_a_brand_gets_a_credit_note_in_one_currency_and_an_invoice_in_another(
    books: Books,
) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES + SECOND_TALENT))
    books.ok("fx", "import", books.write("fx.csv", FX))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT.replace("PRICE", "100.00")))
    books.ok("contracts", "import", books.write("K2.toml", USD_CONTRACT))
    books.ok("ingest", books.write("m3.csv", publications("m", 3, 4)), "--brand", "b1")
    close(books, "2026-03")
    books.ok(
        "contracts",
        "import",
        books.write("K1.toml", CONTRACT.replace("PRICE", "40.00")),
        "--amend",
    )
    books.ok("ingest", books.write("m4.csv", publications("u", 4, 3, "w2")), "--brand", "b1")
    close(books, "2026-04")
    brand = books.ok("statements", "data", "2026-04", "--party", "b1")
    # EUR: March recomputed 4 x 40.00 = 160.00 against 400.00 issued: -240.00, a credit note;
    # USD: 3 x 30.00 = 90.00 of April's own usage, an invoice
    assert brand["summary"]["due"] == {"EUR": "-240.00", "USD": "90.00"}
    assert [
        (d["document"], d["number"], d["currency"], d["total"], d["corrects"])
        for d in brand["documents"]
    ] == [
        (
            "credit_note",
            "CN-AG-2026-000001",
            "EUR",
            "240.00",
            [{"period": "2026-03", "number": "AG-2026-000001"}],
        ),
        # the self-represented talent t2 invoices its own contract
        ("invoice", "T2-2026-000001", "USD", "90.00", []),
    ]
    rendered = books.ok("statements", "render", "2026-04", "--type", "brand")
    names = sorted(p.rsplit("/", 1)[-1] for p in rendered["files"])
    assert names == ["ST-2026-04-B-b1-EUR.pdf", "ST-2026-04-B-b1-USD.pdf"]
    folder = books.root / "statements" / "2026-04"
    credit = _pdf_text(folder / "ST-2026-04-B-b1-EUR.pdf")
    assert "Credit note CN-AG-2026-000001" in credit
    assert "AG-2026-000001" in credit  # the invoice it corrects
    assert "Total credited" in credit and "240.00" in credit
    assert "Amendment" in credit
    invoice = _pdf_text(folder / "ST-2026-04-B-b1-USD.pdf")
    assert "Invoice T2-2026-000001" in invoice and "Credit note" not in invoice


def test_a_credit_note_speaks_the_brands_locale(books: Books) -> None:
    parties = PARTIES.replace(
        'currency = "EUR"\n\n    [[twins]]', 'currency = "EUR"\n    locale = "de"\n\n    [[twins]]'
    )
    books.ok("parties", "import", books.write("parties.toml", parties))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT.replace("PRICE", "100.00")))
    books.ok("ingest", books.write("m3.csv", publications("m", 3, 2)), "--brand", "b1")
    close(books, "2026-03")
    books.ok(
        "contracts", "import", books.write("K1.toml", CONTRACT.replace("PRICE", "10.00")), "--amend"
    )
    books.ok("settle", "run", "2026-04")
    books.ok("statements", "render", "2026-04", "--type", "brand", "--out", books.files / "de")
    text = _pdf_text(books.files / "de" / "ST-2026-04-B-b1-EUR.pdf")
    assert "Gutschrift" in text and "DRAFT" in text  # a draft has no number yet


def _pdf_text(path: object) -> str:
    from pypdf import PdfReader

    return " ".join((page.extract_text() or "") for page in PdfReader(str(path)).pages)


def _balance(books: Books, account: str, currency: str) -> str:
    """Credit balance (owed to the party) of one account, from `balances --json`."""
    rows = books.ok("balances")["accounts"]
    for row in rows:
        if row["account"] == account and row["currency"] == currency:
            return str(-_dec(row["balance"]))
    return "0.00"


def _paid(books: Books, account: str) -> str:
    """Everything paid out of one payable account so far."""
    total = _dec("0.00")
    with books.workspace.engine.connect() as conn:
        for (debit,) in conn.exec_driver_sql(
            "SELECT p.debit FROM postings p JOIN journal_entries e ON e.seq = p.entry_seq "
            f"WHERE e.kind = 'payout' AND p.account = '{account}'"
        ):
            total += _dec(str(debit))
    return str(total.quantize(_dec("0.01")))


def _dec(text: str):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    return Decimal(text)


def test_a_batch_sent_under_the_wrong_brand_is_voided_and_ingested_again(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES + SECOND_TALENT))
    books.ok("contracts", "import", books.write("K1.toml", CONTRACT.replace("PRICE", "100.00")))
    second = USD_CONTRACT.replace('id = "K2"', 'id = "K3"').replace('brand = "b1"', 'brand = "b2"')
    second = second.replace('currency = "USD"', 'currency = "EUR"').replace("w2", "w1")
    brand_two = '\n    [[brands]]\n    id = "b2"\n    name = "Brand Two"\n    currency = "EUR"\n'
    books.ok("parties", "import", books.write("parties.toml", PARTIES + SECOND_TALENT + brand_two))
    books.ok("contracts", "import", books.write("K3.toml", second))
    log = books.write("m3.csv", publications("m", 3, 3))
    wrong = books.ok("ingest", log, "--brand", "b1")  # b2's log, sent as b1's
    close(books, "2026-03")
    assert summary(books, "2026-03", "b1") == {"due": {"EUR": "300.00"}}

    voided = books.ok("batches", "void", wrong["batch_id"], "--reason", "b2's log", "--by", "anna")
    assert voided == {
        "batch_id": wrong["batch_id"],
        "status": "void",
        "brand": "b1",
        "periods": ["2026-03"],
        "settled_in": "2026-04",
        "reason": "b2's log",
        "by": "anna",
        "voided_at": voided["voided_at"],
    }
    [listed] = books.ok("batches", "list")["batches"]
    assert (listed["status"], listed["void"]["reason"], listed["void"]["by"]) == (
        "void",
        "b2's log",
        "anna",
    )
    assert "batch " + wrong["batch_id"] + " is void" in books.refused(
        "batches", "void", wrong["batch_id"], "--reason", "again"
    )
    # the same file, now under the right brand: 3 x 30.00 at K3's price
    right = books.ok("ingest", log, "--brand", "b2")
    assert (right["status"], right["accepted"], right["duplicates"]) == ("committed", 4, 0)
    close(books, "2026-04")

    # b1's March is reversed in April: -300.00, a credit note naming the withdrawn batch
    b1 = books.ok("statements", "data", "2026-04", "--party", "b1")
    [k1] = b1["contracts"]
    assert [(a["period"], a["brand_due"]) for a in k1["prior_period_adjustments"]] == [
        ("2026-03", "-300.00")
    ]
    [credit] = b1["documents"]
    assert (credit["document"], credit["total"]) == ("credit_note", "300.00")
    assert credit["reasons"][0]["changes"] == [
        {"change": "withdrawn_batch", "detail": f"batch {wrong['batch_id']} withdrawn"}
    ]
    # b2's March arrives late in April: 3 x 30.00 = 90.00, named as late events
    b2 = books.ok("statements", "data", "2026-04", "--party", "b2")
    [invoice] = b2["documents"]
    assert (invoice["document"], invoice["total"]) == ("invoice", "90.00")
    assert invoice["reasons"][0]["changes"] == [
        {"change": "late_events", "detail": f"events in batch {right['batch_id']}"}
    ]
    # March as issued is unchanged, and explain still shows the withdrawn batch's events
    assert summary(books, "2026-03", "b1") == {"due": {"EUR": "300.00"}}
    explained = books.ok("explain", "2026-03:K1:v0:r1")
    assert {e["batch_id"] for e in explained["events"]} == {wrong["batch_id"]}
    # the void is in the journal's audit trail
    with books.workspace.engine.connect() as conn:
        memo = conn.exec_driver_sql(
            "SELECT memo FROM journal_entries WHERE kind = 'void'"
        ).scalar_one()
    assert memo == f"batch {wrong['batch_id']} of b1 (m3.csv) withdrawn by anna: b2's log"
