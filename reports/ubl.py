"""The EN 16931 data of an invoice or credit note as UBL 2.1 XML (Peppol BIS Billing 3.0),
written with the standard library from the brand statement's document alone.

Like the Factur-X XML (``reports.cii``) it repeats the ledger's figures: lines per contract, one
VAT breakdown, net, VAT and gross; a credit note is a UBL ``CreditNote`` with positive totals.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from reports.cii import percent

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def _cbc(parent: ET.Element, name: str, text: object, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{CBC}}}{name}", attrs)
    node.text = str(text)
    return node


def _cac(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{CAC}}}{name}")


def _party(parent: ET.Element, role: str, card: Mapping[str, Any]) -> None:
    party = _cac(_cac(parent, role), "Party")
    address = card.get("address") or {}
    postal = _cac(party, "PostalAddress")
    lines = list(address.get("lines") or [])
    if lines:
        _cbc(postal, "StreetName", lines[0])
    if len(lines) > 1:
        _cbc(postal, "AdditionalStreetName", ", ".join(lines[1:]))
    _cbc(postal, "CityName", address.get("city") or "")
    if address.get("postal_code"):
        _cbc(postal, "PostalZone", address["postal_code"])
    _cbc(_cac(postal, "Country"), "IdentificationCode", address.get("country") or "")
    if card.get("vat_id"):
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", card["vat_id"])
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", card.get("legal_name") or card.get("name") or "")


def _category(parent: ET.Element, name: str, vat: Mapping[str, Any], reason: bool) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", vat["category"])
    if vat["category"] != "O":
        _cbc(category, "Percent", percent(vat["rate"]))
    if reason and vat.get("category") == "AE":
        _cbc(category, "TaxExemptionReasonCode", "VATEX-EU-AE")
    if reason and vat.get("mention") and vat.get("category") != "S":
        _cbc(category, "TaxExemptionReason", vat["mention"])
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def ubl_xml(doc: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    """The UBL 2.1 XML of one closed invoice or credit note of the brand statement ``doc``."""
    credit = document["document"] == "credit_note"
    kind = "CreditNote" if credit else "Invoice"
    ccy = str(document["currency"])
    money = {"currencyID": ccy}
    [vat] = document["vat"]
    ET.register_namespace("", CREDIT_NS if credit else INVOICE_NS)
    ET.register_namespace("cac", CAC)
    ET.register_namespace("cbc", CBC)
    root = ET.Element(f"{{{CREDIT_NS if credit else INVOICE_NS}}}{kind}")
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", document["number"])
    _cbc(root, "IssueDate", document["issue_date"])
    if not credit:
        _cbc(root, "DueDate", document["due_date"])
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    if vat.get("mention"):
        _cbc(root, "Note", vat["mention"])
    _cbc(root, "DocumentCurrencyCode", ccy)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", document["period_start"])
    _cbc(period, "EndDate", document["period_end"])
    for corrected in document.get("corrects") or []:
        if corrected.get("number"):
            reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
            _cbc(reference, "ID", corrected["number"])
    _party(root, "AccountingSupplierParty", document["seller"])
    _party(root, "AccountingCustomerParty", document["buyer"])
    total = _cac(root, "TaxTotal")
    _cbc(total, "TaxAmount", vat["amount"], **money)
    subtotal = _cac(total, "TaxSubtotal")
    _cbc(subtotal, "TaxableAmount", vat["base"], **money)
    _cbc(subtotal, "TaxAmount", vat["amount"], **money)
    _category(subtotal, "TaxCategory", vat, reason=True)
    sums = _cac(root, "LegalMonetaryTotal")
    _cbc(sums, "LineExtensionAmount", document["net"], **money)
    _cbc(sums, "TaxExclusiveAmount", document["net"], **money)
    _cbc(sums, "TaxInclusiveAmount", document["gross"], **money)
    _cbc(sums, "PayableAmount", document["gross"], **money)
    for n, line in enumerate(document.get("lines") or [], 1):
        node = _cac(root, f"{kind}Line")
        _cbc(node, "ID", n)
        negative = str(line["amount"]).startswith("-")
        quantity = "CreditedQuantity" if credit else "InvoicedQuantity"
        _cbc(node, quantity, "-1" if negative else "1", unitCode="C62")
        _cbc(node, "LineExtensionAmount", line["amount"], **money)
        item = _cac(node, "Item")
        _cbc(item, "Name", f"Licence of twin {line['twin']} under contract {line['contract']}")
        _category(item, "ClassifiedTaxCategory", vat, reason=False)
        _cbc(_cac(node, "Price"), "PriceAmount", str(line["amount"]).lstrip("-"), **money)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
