"""Factur-X: a closed invoice's or credit note's CII XML embedded in its PDF (PDF/A-3, profile
EN 16931), with the `factur-x` library, which also checks the XML against the Factur-X XSD.

The library stamps the attachment and the XMP metadata with the current time; a closed period's
PDFs must render byte-identical every time (SPEC 4.5), so the stamps are pinned to the
document's issue date while the library runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import facturx.facturx as fx

from reports.cii import cii_xml

LEVEL = "en16931"
FLAVOR = "factur-x"
_pinned = threading.Lock()


@contextmanager
def _clock(moment: datetime) -> Iterator[None]:
    """The library's two timestamp helpers answer ``moment`` while this is open."""
    pdf_stamp = moment.strftime("D:%Y%m%d%H%M%S+00'00'")
    xmp_stamp = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    with _pinned:
        saved = fx._get_pdf_timestamp, fx._get_metadata_timestamp
        fx._get_pdf_timestamp = lambda date=None: pdf_stamp
        fx._get_metadata_timestamp = lambda: xmp_stamp
        try:
            yield
        finally:
            fx._get_pdf_timestamp, fx._get_metadata_timestamp = saved


def can_embed(document: Mapping[str, Any]) -> bool:
    """A closed document with the data EN 16931 needs: a number, and seller and buyer with
    addresses (an issuer not registered for VAT may have none: its PDF stays a plain one)."""
    seller, buyer = document.get("seller") or {}, document.get("buyer") or {}
    return bool(document.get("number") and seller.get("address") and buyer.get("address"))


def embed(pdf: bytes, doc: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    """``pdf`` with the document's CII XML embedded as factur-x.xml (XSD-checked)."""
    xml = cii_xml(doc, document)
    moment = datetime.fromisoformat(f"{document['issue_date']}T00:00:00").replace(tzinfo=UTC)
    kind = "Credit note" if document.get("document") == "credit_note" else "Invoice"
    seller = document["seller"]
    metadata = {
        "author": str(seller.get("legal_name") or seller.get("name") or ""),
        "keywords": "Factur-X, EN 16931",
        "title": f"{kind} {document['number']}",
        "subject": f"{kind} {document['number']} dated {document['issue_date']}",
    }
    with _clock(moment):
        result: bytes = fx.generate_from_binary(
            pdf, xml, flavor=FLAVOR, level=LEVEL, check_xsd=True, pdf_metadata=metadata, lang="en"
        )
    return result
