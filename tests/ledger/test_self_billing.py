"""Self-billed invoices (SPEC 4.3.2): a VAT-registered talent's statement is the invoice her
agency issues on her behalf for her royalties, with VAT by the rules of 4.3.1 on top; a credit
note when a correction takes royalties back. Every figure worked by hand."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader

from tests import shared
from tests.conftest import Books
from tests.ledger.test_einvoices import _expected, _read_back, _xml_of
from tests.ledger.test_invoices import AGENCY, SE, _address, _balance, publications
from tests.reports import arithmetic

DE = {"lines": ["Hauptstraße 5"], "postal_code": "10115", "city": "Berlin", "country": "DE"}

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
    # registered in Sweden, like her agency: Swedish VAT, 25 %, on top of her royalties
    shared.party(
        "talents",
        id="liv",
        name="Liv",
        agency="nordlys",
        payout_currency="EUR",
        withholding_rate="0.10",
        legal_name="Liv Sandström Enskild Firma",
        address=_address({"lines": ["Götgatan 9"], "city": "Stockholm", "country": "SE"}),
        vat_id="SE556677889901",
        tax_registered=True,
    ),
    # registered in Germany, her agency in Sweden: reverse charge
    shared.party(
        "talents",
        id="zoe",
        name="Zoë",
        agency="nordlys",
        payout_currency="EUR",
        legal_name="Zoë Łukasiewicz",
        address=_address(DE),
        vat_id="DE136695976",
        tax_registered=True,
    ),
    # not registered: her statement is no invoice
    shared.party("talents", id="ana", name="Ana", agency="nordlys", payout_currency="EUR"),
    shared.party("twins", id="w1", talent="liv"),
    shared.party("twins", id="w2", talent="zoe"),
    shared.party("twins", id="w3", talent="ana"),
    shared.party(
        "brands",
        id="zephyr",
        name="Zephyr & Co",
        currency="EUR",
        address=_address({"lines": ["Kungsgatan 2"], "city": "Göteborg", "country": "SE"}),
    ),
)


def _contract(cid: str, twin: str, price: str) -> str:
    return shared.contract(cid, "zephyr", twin, "EUR", shared.rate("publications", price=price))


def _log(twin: str, count: int, month: int = 3) -> str:
    return (
        publications("zephyr", month, count)
        .replace(",w1,", f",{twin},")
        .replace(f"zephyr{month}-", f"zephyr{month}-{twin}-")
        .replace(f"zephyrr{month}", f"zephyrr{month}{twin}")
    )


def setup(books: Books, parties: str = PARTIES) -> None:
    books.ok("parties", "import", books.write("parties.toml", parties))
    for cid, twin, price in (("L1", "w1", "100.00"), ("Z1", "w2", "50.00"), ("A1", "w3", "10")):
        books.ok("contracts", "import", books.write(f"{cid}.toml", _contract(cid, twin, price)))
    for twin, count in (("w1", 3), ("w2", 2), ("w3", 1)):
        books.ok("ingest", books.write(f"{twin}.csv", _log(twin, count)), "--brand", "zephyr")


def _bill(books: Books, period: str, talent: str) -> dict[str, Any]:
    statement = books.ok("statements", "data", period, "--party", talent)
    return statement["self_billing"] | {"summary": statement["summary"]}


def test_self_billed_statements_domestic_reverse_charge_and_a_credit_note(books: Books) -> None:
    setup(books)
    books.ok("settle", "run", "2026-03")
    assert _bill(books, "2026-03", "liv")["number"] is None  # a draft has no number
    books.ok("settle", "close", "2026-03")

    liv = _bill(books, "2026-03", "liv")
    # 3 x 100.00 = 300.00 charged; commission 20 % = 60.00; her royalties 240.00, and the
    # agency adds Swedish VAT: 25 % of 240.00 = 60.00, gross 300.00
    assert {k: liv[k] for k in ("document", "number", "mention", "net", "gross")} == {
        "document": "invoice",
        "number": "SB-LIV-2026-000001",
        "mention": "Self-billing",
        "net": "240.00",
        "gross": "300.00",
    }
    assert liv["vat"] == [
        {"rate": "0.25", "base": "240.00", "amount": "60.00", "category": "S", "mention": None}
    ]
    assert liv["lines"] == [
        {
            "contract": "L1",
            "brand": "zephyr",
            "currency": "EUR",
            "royalties": "240.00",
            "rate": "1",
            "amount": "240.00",
        }
    ]
    assert (liv["seller"]["vat_id"], liv["buyer"]["vat_id"]) == ("SE556677889901",) * 2
    assert liv["issued_by"] == {"id": "nordlys", "name": "Nordlys"}
    # withholding 10 % of 240.00 = 24.00: royalties paid 216.00, plus the VAT: 276.00
    assert (liv["summary"]["net_this_period"], liv["summary"]["vat"]) == ("216.00", "60.00")
    assert (liv["summary"]["balance"], liv["summary"]["payable"]) == ("276.00", "276.00")

    zoe = _bill(books, "2026-03", "zoe")
    # 2 x 50.00 = 100.00, commission 20.00: 80.00 supplied from Germany to Sweden, reverse charge
    assert (zoe["number"], zoe["net"], zoe["gross"]) == ("SB-ZOE-2026-000001", "80.00", "80.00")
    assert (zoe["vat"][0]["category"], zoe["vat"][0]["amount"]) == ("AE", "0.00")
    assert zoe["vat"][0]["mention"].startswith("Reverse charge")
    assert (zoe["summary"]["vat"], zoe["summary"]["payable"]) == ("0.00", "80.00")
    # Ana is not registered for VAT: no invoice, no VAT line
    ana = books.ok("statements", "data", "2026-03", "--party", "ana")
    assert "self_billing" not in ana and "vat" not in ana["summary"]

    # The agency deducts the 60.00 as input VAT; its output VAT on the brand's invoice is
    # 25 % of 300 + 100 + 10 = 410.00, 102.50
    assert _balance(books, "vat:nordlys:SE:input") == "60.00"
    assert _balance(books, "vat:nordlys:SE:payable") == "-102.50"
    # to pay: 276.00 + 80.00 + Ana's 8.00, and the agency's commission 60.00 + 20.00 + 2.00
    assert _balance(books, "payouts:due") == "-446.00"
    assert books.ok("audit", "verify")["ok"] is True

    # April: L1's price is cut to 10.00 back to March: 300.00 -> 30.00 charged
    books.ok(
        "contracts", "import", books.write("L1.toml", _contract("L1", "w1", "10.00")), "--amend"
    )
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    credit = _bill(books, "2026-04", "liv")
    # royalties 240.00 -> 24.00: a credit note of 216.00 and its VAT 54.00, 270.00 in all
    assert (credit["document"], credit["number"]) == ("credit_note", "SB-CN-LIV-2026-000001")
    assert (credit["net"], credit["vat"][0]["amount"], credit["gross"]) == (
        "216.00",
        "54.00",
        "270.00",
    )
    # royalties back -216.00 less withholding back 21.60 = -194.40; VAT back -54.00
    summary = credit["summary"]
    assert (summary["net_this_period"], summary["vat"]) == ("-194.40", "-54.00")
    assert (summary["balance"], summary["carried_forward"], summary["payable"]) == (
        "-248.40",
        "-248.40",
        "0.00",
    )
    assert _balance(books, "vat:nordlys:SE:input") == "6.00"  # 60.00 - 54.00
    assert books.ok("audit", "verify")["ok"] is True


def test_a_self_billed_invoice_needs_both_parties_vat_data_to_close(books: Books) -> None:
    setup(books, PARTIES.replace('vat_id = "DE136695976"\n', "", 1))
    books.ok("settle", "run", "2026-03")
    assert books.refused("settle", "close", "2026-03") == (
        "error: period 2026-03 not closed: talent zoe: vat_id: missing; needed on the "
        "self-billed invoice of zoe in EUR"
    )
    assert books.ok("settle", "status", "2026-03")["status"] == "draft"


def test_the_self_billed_statement_embeds_factur_x_matching_its_json(books: Books) -> None:
    setup(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.ok(
        "contracts", "import", books.write("L1.toml", _contract("L1", "w1", "10.00")), "--amend"
    )
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    for period, kind in (("2026-03", "389"), ("2026-04", "261")):
        out = books.files / period
        books.ok("statements", "render", period, "--party", "liv", "--out", out)
        bill = books.ok("statements", "data", period, "--party", "liv")["self_billing"]
        [pdf] = out.glob("*.pdf")
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert arithmetic.check_talent(text, "en")["self-billed"] == 1
        read = _read_back(_xml_of(pdf))
        assert read == _expected(bill) | {"type": kind}
        again = books.files / f"{period}-again"
        books.ok("statements", "render", period, "--party", "liv", "--out", again)
        assert (again / pdf.name).read_bytes() == pdf.read_bytes()  # closed: byte-identical
    # a talent not registered for VAT gets a plain statement
    out = books.files / "ana"
    books.ok("statements", "render", "2026-03", "--party", "ana", "--out", out)
    [plain] = out.glob("*.pdf")
    assert b"factur-x.xml" not in plain.read_bytes()
