"""The EN 16931 data of an invoice or credit note as UN/CEFACT CII XML (Factur-X, profile
EN 16931), built from the brand statement's document alone (no ledger access).

An invoice is type 380 and a credit note 381, both with positive totals; each contract is one
line (a credit note's lines are what each contract credits). VAT is one breakdown per document,
as computed by the ledger: the XML repeats the figures, it never recomputes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lxml import etree

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"invoice": "380", "credit_note": "381"}
SELF_BILLED = {"invoice": "389", "credit_note": "261"}  # UNTDID 1001: self-billed documents


def _el(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def _date(parent: etree._Element, tag: str, day: str) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.replace("-", ""), format="102")


def percent(rate: object) -> str:
    """A VAT rate as a percentage: "0.25" -> "25", "0.255" -> "25.5"."""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}"


def _party(parent: etree._Element, tag: str, card: Mapping[str, Any]) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", card.get("legal_name") or card.get("name"))
    address = card.get("address") or {}
    if address:
        postal = _el(node, "ram:PostalTradeAddress")
        if address.get("postal_code"):
            _el(postal, "ram:PostcodeCode", address["postal_code"])
        lines = list(address.get("lines") or [])
        for tag_name, line in zip(("LineOne", "LineTwo", "LineThree"), lines, strict=False):
            _el(postal, f"ram:{tag_name}", line)
        _el(postal, "ram:CityName", address.get("city"))
        _el(postal, "ram:CountryID", address.get("country"))
    if card.get("vat_id"):
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", card["vat_id"], schemeID="VA")


def _tax(parent: etree._Element, vat: Mapping[str, Any], header: bool) -> None:
    node = _el(parent, "ram:ApplicableTradeTax")
    if header:
        _el(node, "ram:CalculatedAmount", vat["amount"])
    _el(node, "ram:TypeCode", "VAT")
    if header and vat.get("mention") and vat.get("category") != "S":
        _el(node, "ram:ExemptionReason", vat["mention"])
    if header:
        _el(node, "ram:BasisAmount", vat["base"])
    _el(node, "ram:CategoryCode", vat["category"])
    if header and vat.get("category") == "AE":
        _el(node, "ram:ExemptionReasonCode", "VATEX-EU-AE")
    if vat.get("category") != "O":
        _el(node, "ram:RateApplicablePercent", percent(vat["rate"]))


def cii_xml(doc: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    """The CII XML of one closed invoice or credit note of the brand statement ``doc``, or of
    the self-billed one of a talent statement (types 389 and 261)."""
    ccy = str(document["currency"])
    [vat] = document["vat"]
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document["number"])
    self_billed = document.get("mention") == "Self-billing"
    codes = SELF_BILLED if self_billed else TYPE_CODES
    _el(header, "ram:TypeCode", codes[str(document["document"])])
    _date(header, "ram:IssueDateTime", str(document["issue_date"]))
    if self_billed:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", document["mention"])
    if vat.get("mention"):
        _el(_el(header, "ram:IncludedNote"), "ram:Content", vat["mention"])
    deal = _el(root, "rsm:SupplyChainTradeTransaction")
    for n, line in enumerate(document.get("lines") or [], 1):
        item = _el(deal, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", n)
        name = (
            f"Licence of twin {line['twin']} under contract {line['contract']}"
            if "twin" in line
            else f"Royalties under contract {line['contract']} ({line['brand']})"
        )
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", name)
        price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", line["amount"].lstrip("-"))
        quantity = "-1" if line["amount"].startswith("-") else "1"
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", quantity, unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        _tax(settlement, vat, header=False)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", line["amount"])
    agreement = _el(deal, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", document["seller"])
    _party(agreement, "ram:BuyerTradeParty", document["buyer"])
    _el(deal, "ram:ApplicableHeaderTradeDelivery")
    settle = _el(deal, "ram:ApplicableHeaderTradeSettlement")
    _el(settle, "ram:InvoiceCurrencyCode", ccy)
    _tax(settle, vat, header=True)
    period = _el(settle, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", str(document["period_start"]))
    _date(period, "ram:EndDateTime", str(document["period_end"]))
    if document["document"] == "invoice":
        _date(
            _el(settle, "ram:SpecifiedTradePaymentTerms"),
            "ram:DueDateDateTime",
            document["due_date"],
        )
    totals = _el(settle, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", document["net"])
    _el(totals, "ram:TaxBasisTotalAmount", document["net"])
    _el(totals, "ram:TaxTotalAmount", vat["amount"], currencyID=ccy)
    _el(totals, "ram:GrandTotalAmount", document["gross"])
    _el(totals, "ram:DuePayableAmount", document["gross"])
    for corrected in document.get("corrects") or []:
        if corrected.get("number"):
            _el(
                _el(settle, "ram:InvoiceReferencedDocument"),
                "ram:IssuerAssignedID",
                corrected["number"],
            )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
