"""E-invoices (SPEC 4.3.1): every closed invoice and credit note PDF embeds its EN 16931 data as
Factur-X CII XML that validates against the Factur-X XSD; read back, the XML says what the JSON
document says. Re-rendering a closed period gives the same bytes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree

from tests.conftest import Books
from tests.ledger.test_invoices import contract, setup

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def _xml_of(path: Path) -> etree._Element:
    name, xml = get_xml_from_pdf(path.read_bytes(), check_xsd=False)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    return etree.fromstring(xml)


def _text(root: etree._Element, path: str) -> str:
    [node] = root.xpath(path, namespaces=NS)
    return str(node.text)


def _read_back(root: etree._Element) -> dict[str, Any]:
    s = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
    a = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
    totals = s + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    tax = s + "ram:ApplicableTradeTax/"
    return {
        "number": _text(root, "rsm:ExchangedDocument/ram:ID"),
        "type": _text(root, "rsm:ExchangedDocument/ram:TypeCode"),
        "currency": _text(root, s + "ram:InvoiceCurrencyCode"),
        "net": _text(root, totals + "ram:TaxBasisTotalAmount"),
        "vat": _text(root, totals + "ram:TaxTotalAmount"),
        "gross": _text(root, totals + "ram:GrandTotalAmount"),
        "category": _text(root, tax + "ram:CategoryCode"),
        "base": _text(root, tax + "ram:BasisAmount"),
        "seller": _text(root, a + "ram:SellerTradeParty/ram:Name"),
        "seller_vat": _text(root, a + "ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"),
        "buyer": _text(root, a + "ram:BuyerTradeParty/ram:Name"),
        "buyer_country": _text(
            root, a + "ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID"
        ),
    }


def _expected(document: dict[str, Any]) -> dict[str, Any]:
    [vat] = document["vat"]
    return {
        "number": document["number"],
        "type": "381" if document["document"] == "credit_note" else "380",
        "currency": document["currency"],
        "net": document["net"],
        "vat": vat["amount"],
        "gross": document["gross"],
        "category": vat["category"],
        "base": vat["base"],
        "seller": document["seller"]["legal_name"],
        "seller_vat": document["seller"]["vat_id"],
        "buyer": document["buyer"]["legal_name"],
        "buyer_country": document["buyer"]["address"]["country"],
    }


def test_every_closed_document_embeds_valid_factur_x_matching_its_json(books: Books) -> None:
    setup(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.ok(
        "contracts", "import", books.write("Z1.toml", contract("Z1", "zephyr", "2.50")), "--amend"
    )
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    seen = []
    for period, brand in (("2026-03", "zephyr"), ("2026-03", "berlin"), ("2026-03", "acme"),
                          ("2026-04", "zephyr")):  # fmt: skip
        [document] = books.ok("statements", "data", period, "--party", brand)["documents"]
        rendered = books.ok("statements", "render", period, "--party", brand)
        [pdf] = [Path(f) for f in rendered["files"]]
        root = _xml_of(pdf)
        assert _read_back(root) == _expected(document)
        lines = root.xpath("//ram:LineTotalAmount", namespaces=NS)
        assert sum(Decimal(n.text) for n in lines[:-1]) == Decimal(document["net"])
        seen.append((document["number"], _read_back(root)["category"]))
        first = pdf.read_bytes()
        books.ok("statements", "render", period, "--party", brand)
        assert pdf.read_bytes() == first  # a closed period re-renders byte for byte
        books.ok("statements", "verify", str(pdf))
    assert seen == [
        ("NORDLYS-2026-000003", "S"),
        ("NORDLYS-2026-000002", "AE"),
        ("NORDLYS-2026-000001", "O"),
        ("CN-NORDLYS-2026-000001", "S"),
    ]


UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def test_render_einvoice_ubl_writes_valid_ubl_beside_each_pdf(books: Books) -> None:
    import xml.etree.ElementTree as ET

    setup(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.ok(
        "contracts", "import", books.write("Z1.toml", contract("Z1", "zephyr", "2.50")), "--amend"
    )
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    for period, brand, flavor in (("2026-03", "berlin", "ubl-2.1-invoice"),
                                  ("2026-04", "zephyr", "ubl-2.1-creditnote")):  # fmt: skip
        [document] = books.ok("statements", "data", period, "--party", brand)["documents"]
        rendered = books.ok("statements", "render", period, "--party", brand, "--einvoice", "ubl")
        pdf, xml = (Path(f) for f in rendered["files"])
        assert xml == pdf.with_suffix(".xml")
        assert xml_check_xsd(xml.read_bytes(), flavor=flavor) is True
        root = ET.fromstring(xml.read_bytes())
        read = {
            "number": root.findtext("cbc:ID", namespaces=UBL),
            "net": root.findtext("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", namespaces=UBL),
            "vat": root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=UBL),
            "gross": root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL),
            "category": root.findtext(
                "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=UBL
            ),
            "seller_vat": root.findtext(
                "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
                namespaces=UBL,
            ),
        }
        assert read == {
            "number": document["number"],
            "net": document["net"],
            "vat": document["vat"][0]["amount"],
            "gross": document["gross"],
            "category": document["vat"][0]["category"],
            "seller_vat": "SE556677889901",
        }
    # berlin's reverse charge: 200.00 net, no VAT; zephyr's credit note: 10.00 + 2.50
    assert read["gross"] == "12.50"
