"""Plain words for ledger codes (metrics, channels, exception kinds) and shared report sections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from ledger.domain import LISTED_EXCEPTIONS
from reports import data, layout
from reports.data import Doc
from reports.format import Formats

METRICS = {
    "renders": "Renders",
    "publications": "Publications",
    "impressions": "Impressions",
    "video_seconds": "Video seconds",
}

CHANNELS = {"in_store": "in store", "ooh": "out of home", "tv": "TV"}

EXCEPTIONS = {
    "UNLICENSED": "Used without a licence",
    "RESTRICTED_CATEGORY": "Used in a category that is never licensed",
    "OUT_OF_SCOPE": "Used outside the licence",
    "MISSING_DISCLOSURE": "Published without the required AI disclosure",
    "DISCLOSURE_UNVERIFIED": "AI disclosure not backed by a verified content credential",
    "UNVERIFIED_ASSET": "Published with no matching render on record",
    "EXCLUSIVITY_CONFLICT": "Used while another brand held exclusive rights",
    "UNPRICED": "Used, but no rate in the contract covers it",
}


def credentials(verified: int, uses: int) -> str:
    """ "3 of 4 uses carried verified content credentials"."""
    noun = "use" if uses == 1 else "uses"
    return f"{verified} of {uses} {noun} carried verified content credentials"


def provenance_notes(contract: Mapping[str, Any]) -> list[str]:
    """The consents a contract relies on, and how many of its uses carried verified content
    credentials (for a brand with asset credentials on file)."""
    notes = [
        f"Relies on consent {c['id']}, signed {c['signed_on']}"
        for c in contract.get("consents") or []
    ]
    found = contract.get("content_credentials")
    if found is not None:
        notes.append(credentials(found["verified"], found["uses"]))
    return notes


def metric(code: object) -> str:
    text = str(code or "")
    return METRICS.get(text, text.replace("_", " ").capitalize())


def scope(code: object) -> str:
    text = str(code or "")
    if text in ("", "*"):
        return "all"
    return CHANNELS.get(text, text.replace("_", " "))


def exception_text(item: Mapping[str, Any]) -> str:
    kind = str(item.get("kind") or "")
    words = EXCEPTIONS.get(kind, kind.replace("_", " ").capitalize() or "Exception")
    detail = " ".join(str(item.get("detail") or "").split())
    return f"{words} ({detail})" if detail else words


def brand_names(contracts: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {
        str(c.get("brand")): str(c.get("brand_name") or c.get("brand") or "") for c in contracts
    }


def exceptions_section(doc: Doc, fmt: Formats, intro: str) -> list[Flowable]:
    """A statement's exceptions as a table in plain words, or a line saying there were none.

    The data lists the first ``LISTED_EXCEPTIONS`` exceptions and counts every one by kind
    (``exception_counts``); when there are more, the table is followed by the count per kind.
    Data without counts (documents that list every exception) is cut the same way."""
    story: list[Flowable] = [*layout.heading("Uses that break a contract", "h2")]
    items, contracts = data.items(doc, "exceptions"), data.items(doc, "contracts")
    counts: Mapping[str, Any] = data.section(doc, "exception_counts") or Counter(
        str(item.get("kind")) for item in items
    )
    total = sum(int(n) for n in counts.values())
    if not items and not total:
        return [*story, layout.para("None this period.", "muted")]
    listed = items[:LISTED_EXCEPTIONS]
    names = brand_names(contracts)
    rows: list[list[Any]] = [
        layout.headings(["Date", "Brand", "What happened", "Twin / contract", "Event"], 99)
    ]
    widths = [20, 28, 56, 32]
    cols = [w * mm for w in widths]
    cols.append(layout.CONTENT_W - sum(cols))
    for item in listed:
        brand = str(item.get("brand") or "")
        twin, contract = item.get("twin"), item.get("contract")
        where: list[Flowable] = [layout.token(twin, cols[3])] if twin else []
        where += [layout.token(contract, cols[3])] if contract else []
        rows.append(
            [
                layout.para(fmt.date(item.get("occurred_at")), "cell"),
                layout.para(item.get("brand_name") or names.get(brand, brand), "cell"),
                layout.para(exception_text(item), "cell"),
                where,
                layout.token(item.get("event_id") or "", cols[4]),
            ]
        )
    story += [layout.para(intro, "muted"), layout.grid(rows, cols)]
    rest = total - len(listed)
    if rest > 0:
        by_kind = ", ".join(
            f"{EXCEPTIONS.get(k, k).lower()}: {n}" for k, n in sorted(counts.items())
        )
        story.append(
            layout.para(
                f"… and {rest} more, {total} in all ({by_kind}). The ledger's exception "
                "report for this period lists every one.",
                "muted",
            )
        )
    return story


def balance_notes(summary: Mapping[str, Any], ccy: str, fmt: Formats, whose: str) -> list[str]:
    """Why nothing, or less than earned, is paid (SPEC 4.3): a balance below the minimum payout,
    or a negative balance that later earnings pay back first. ``whose`` is "Your" or "The
    agency's"."""
    carried = data.num(summary, "carried_forward")
    opening = data.num(summary, "opening_balance")
    notes = []
    if carried > 0:
        minimum = fmt.amount(data.num(summary, "min_payout"), ccy)
        notes.append(
            f"{whose} balance of {fmt.amount(carried, ccy)} is below {whose.lower()} minimum "
            f"payout of {minimum}, so it is carried to next month and nothing is paid this time."
        )
    elif carried < 0:
        notes.append(
            f"{whose} balance is {fmt.amount(carried, ccy)}: corrections to earlier months took "
            "back more than was earned. Nothing is paid this time; the amount is carried to next "
            "month and settled out of later earnings."
        )
    if opening < 0:
        notes.append(
            f"The opening balance of {fmt.amount(opening, ccy)} carried from earlier months is "
            "settled first out of this period's earnings."
        )
    return notes


def withholding_note(contracts: Sequence[Mapping[str, Any]], fmt: Formats) -> list[str]:
    """Tax withheld is given back when corrections lower earnings it was withheld on."""
    notes = []
    for contract in contracts:
        ccy = str(contract.get("currency") or "")
        back = sum(
            (data.num(a, "withholding") for a in data.items(contract, "prior_period_adjustments")),
            data.num({}, ""),
        )
        if back < 0:
            notes.append(
                f"Contract {contract.get('contract')}: corrections lowered earlier earnings, so "
                f"{fmt.amount(-back, ccy)} of tax withheld on them is reversed (withholding "
                "goes down by the same rate as the earnings)."
            )
    return notes
