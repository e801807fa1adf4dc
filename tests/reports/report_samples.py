"""Statement documents shaped like `twinledger statements data PERIOD --party ID --json`."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from pypdf import PdfReader

CODE = "3f" * 32


def _adjustment() -> dict[str, Any]:
    return {
        "period": "2026-02",
        "usage": "150.00",
        "retainer": "0.00",
        "cap_adjustment": "0.00",
        "minimum_guarantee_topup": "0.00",
        "earned": "150.00",
        "advance_recouped": "0.00",
        "brand_due": "150.00",
        "commission": "30.00",
        "withholding": "0.00",
        "talent_net": "120.00",
    }


def _line(
    line_id: str, metric: str, channel: str, quantity: str, amount: str, **details: Any
) -> dict[str, Any]:
    base = {
        "pricing": "flat",
        "price": "150.00",
        "per": "1",
        "multiplier": "1",
        "breakdown": [
            {"channel": channel, "territory": "SE", "media": "still", "quantity": "8"},
            {"channel": channel, "territory": "NO", "media": "still", "quantity": "4"},
        ],
    }
    base.update(details)
    return {
        "line_id": line_id,
        "metric": metric,
        "channel": channel,
        "media": "*",
        "quantity": quantity,
        "amount": amount,
        "rate": "150.00 per 1",
        "out_of_scope": details.pop("out_of_scope", False),
        "details": base,
    }


def zephyr_contract() -> dict[str, Any]:
    tiers = [
        {"from": "0", "up_to": "1000000", "units": "1000000", "price": "2.50", "amount": "2500.00"},
        {"from": "1000000", "up_to": None, "units": "250000", "price": "1.50", "amount": "375.00"},
    ]
    return {
        "contract": "ZEP-2026-001",
        "brand": "zephyr",
        "brand_name": "Zephyr & Co",
        "twin": "liv-s-twin-1",
        "currency": "EUR",
        "usage": "4675.00",
        "retainer": "1000.00",
        "cap_adjustment": "0.00",
        "minimum_guarantee_topup": "0.00",
        "earned": "5675.00",
        "advance_paid": "0.00",
        "advance_recouped": "1000.00",
        "brand_due": "4675.00",
        "commission": "935.00",
        "withholding": "0.00",
        "talent_net": "3740.00",
        "commission_rate": "0.20",
        "withholding_rate": "0",
        "fx": {"rate": "11.2345", "date": "2026-03-31", "from": "EUR", "to": "SEK"},
        "talent_net_payout": "42017.03",
        "prior_period_adjustments": [_adjustment()],
        "lines": [
            _line("L-2026-03-ZEP-2026-001-v0-r1", "publications", "social", "12", "1800.00"),
            _line(
                "L-2026-03-ZEP-2026-001-v0-r2",
                "impressions",
                "web",
                "1250000",
                "2875.00",
                pricing="graduated",
                price=None,
                per="1000",
                tiers=tiers,
            ),
            _line(
                "L-2026-03-ZEP-2026-001-v0-r3",
                "publications",
                "ooh",
                "2",
                "0.00",
                out_of_scope=True,
                multiplier="0",
            ),
        ],
    }


def smith_contract() -> dict[str, Any]:
    return {
        "contract": "SMI-2026-007",
        "brand": "smith",
        "brand_name": "Smith & Sons <Ltd>",
        "twin": "liv-s-twin-1",
        "currency": "SEK",
        "usage": "9000.00",
        "retainer": "0.00",
        "cap_adjustment": "-1000.00",
        "minimum_guarantee_topup": "0.00",
        "earned": "8000.00",
        "advance_paid": "0.00",
        "advance_recouped": "0.00",
        "brand_due": "8000.00",
        "commission": "1600.00",
        "withholding": "0.00",
        "talent_net": "6400.00",
        "commission_rate": "0.20",
        "withholding_rate": "0",
        "fx": None,
        "talent_net_payout": "6400.00",
        "prior_period_adjustments": [],
        "lines": [
            _line(
                "L-2026-03-SMI-2026-007-v0-r1",
                "video_seconds",
                "tv",
                "60",
                "9000.00",
                price="150.00",
            )
        ],
    }


def talent_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "statement_id": "ST-2026-03-T-liv-s",
        "period": "2026-03",
        "status": "draft",
        "issued_on": "2026-04-01",
        "party": {"type": "talent", "id": "liv-s", "name": "Liv Sandström", "locale": "en"},
        "agency": {"id": "nordlys", "name": "Nordlys Model Management"},
        "currency": "SEK",
        "contracts": [zephyr_contract(), smith_contract()],
        "exceptions": [
            {
                "kind": "OUT_OF_SCOPE",
                "brand": "zephyr",
                "twin": "liv-s-twin-1",
                "contract": "ZEP-2026-001",
                "event_id": "e-17",
                "occurred_at": "2026-03-04T10:00:00Z",
                "detail": "territory US not licensed",
            },
            {
                "kind": "UNLICENSED",
                "brand": "smith",
                "twin": "liv-s-twin-1",
                "contract": None,
                "event_id": "s-<9>",
                "occurred_at": "2026-03-09T08:30:00Z",
                "detail": "no contract <b>covers</b> 2026-03-09",
            },
        ],
        "summary": {
            "opening_balance": "120.00",
            "net_this_period": "48417.03",
            "balance": "48537.03",
            "carried_forward": "0.00",
            "payable": "48537.03",
            "min_payout": "500.00",
            "fx_rates": [{"from": "EUR", "to": "SEK", "rate": "11.2345", "date": "2026-03-31"}],
        },
        "verification_code": CODE,
    }
    doc.update(copy.deepcopy(overrides))
    return doc


def agency_doc() -> dict[str, Any]:
    zephyr = zephyr_contract() | {
        "talent": "liv-s",
        "talent_name": "Liv Sandström",
        "commission_payout": "10504.26",
    }
    smith = smith_contract() | {
        "talent": "anna-k",
        "talent_name": "Анна Кузнецова",
        "commission_payout": "1600.00",
    }
    sofia = smith_contract() | {
        "talent": "sofia-p",
        "talent_name": "Σοφία Παπαδοπούλου",
        "contract": "SMI-2026-009",
        "twin": "sofia-p-twin-1",
        "commission_payout": "1600.00",
    }
    return {
        "statement_id": "ST-2026-03-A-nordlys",
        "period": "2026-03",
        "status": "closed",
        "issued_on": "2026-04-01",
        "party": {
            "type": "agency",
            "id": "nordlys",
            "name": "Nordlys Model Management",
            "locale": "sv",
        },
        "agency": None,
        "currency": "SEK",
        "contracts": [zephyr, smith, sofia],
        "exceptions": talent_doc()["exceptions"],
        "summary": {
            "commission": "13704.26",
            "payable": "13704.26",
            "fx_rates": [{"from": "EUR", "to": "SEK", "rate": "11.2345", "date": "2026-03-31"}],
        },
        "verification_code": CODE,
    }


def brand_doc() -> dict[str, Any]:
    eur = zephyr_contract() | {"talent": "liv-s", "talent_name": "Liv Sandström"}
    jpy = {
        "contract": "ZEP-JP-2026-002",
        "brand": "zephyr",
        "brand_name": "Zephyr & Co",
        "twin": "zoe-l-twin-1",
        "talent": "zoe-l",
        "talent_name": "Zoë Łukasiewicz",
        "currency": "JPY",
        "usage": "480000",
        "retainer": "20000",
        "cap_adjustment": "0",
        "minimum_guarantee_topup": "0",
        "earned": "500000",
        "advance_paid": "0",
        "advance_recouped": "0",
        "brand_due": "500000",
        "commission": "100000",
        "withholding": "0",
        "talent_net": "400000",
        "prior_period_adjustments": [],
        "lines": [],
    }
    return {
        "statement_id": "ST-2026-03-B-zephyr",
        "period": "2026-03",
        "status": "closed",
        "issued_on": "2026-04-01",
        "party": {"type": "brand", "id": "zephyr", "name": "Zephyr & Co", "locale": "de"},
        "agency": None,
        "currency": "EUR",
        "contracts": [eur, jpy],
        "exceptions": [],
        "summary": {"due": {"EUR": "4675.00", "JPY": "500000"}},
        "verification_code": CODE,
    }


def pdf_text(path: Path) -> str:
    """All text of a PDF, whitespace (including no-break spaces) collapsed to single spaces."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return squash(text)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()
