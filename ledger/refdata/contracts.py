"""Contract files (SPEC 1.2): one contract per TOML file, read and checked against the parties.

Problems name the file, the record ``contract <id>`` and the key as a path into the file:
``end``, ``minimum_guarantee.period``, ``rates[2].tiers[1].up_to``, ``amendments[1].effective``.
An amendment takes effect strictly after the contract's start (terms that apply from the start
belong in the contract itself) and on or before its end.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import fields, is_dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from ledger.domain import Amendment, Contract, Parties, Terms
from ledger.errors import LedgerError, Problem
from ledger.refdata.overlaps import exclusivity_warnings, validate_against_existing
from ledger.refdata.terms import TERM_KEYS, TermsContext, read_terms
from ledger.refdata.tomlread import Fields, load_toml

__all__ = [
    "content_hash",
    "exclusivity_warnings",
    "load_contract_paths",
    "parse_contract",
    "validate_against_existing",
]

CONTRACT_ID = re.compile(r"[A-Za-z0-9._-]+")
FIXED_KEYS = ("id", "brand", "twin", "currency", "start", "end")
REQUIRED = (*FIXED_KEYS, "territories", "channels")
OPTIONAL = (*(key for key in TERM_KEYS if key not in REQUIRED), "amendments", "payment_days")
MAX_PAYMENT_DAYS = 365
_NOT_AMENDABLE = {
    key: f"{key} is fixed for the whole contract and cannot be amended; change the contract itself"
    for key in FIXED_KEYS
}
# Lists whose order carries no meaning: sorted in the canonical form behind ``content_hash``.
_SET_FIELDS = frozenset({"territories", "excluded_territories", "channels", "media"})


def load_contract_paths(path: Path) -> list[Path]:
    """``path`` itself if it is not a directory, else every ``*.toml`` file directly in it, by
    name; a device, FIFO or socket among them is refused when it is read."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.toml") if not p.is_dir())
    if path.exists() or path.is_symlink():
        return [path]
    raise LedgerError(f"{path}: no such file or directory")


def parse_contract(path: Path, parties: Parties) -> tuple[Contract | None, list[Problem]]:
    """The contract in ``path``, or None and every problem found in it."""
    data, problems = load_toml(path)
    if data is None:
        return None, problems
    raw_id = data.get("id")
    record = f"contract {raw_id}" if isinstance(raw_id, str) and raw_id.strip() else "contract"
    f = Fields(data, problems, str(path), record)
    f.check_keys(REQUIRED, OPTIONAL)
    contract_id = f.text("id")
    if contract_id is not None and not CONTRACT_ID.fullmatch(contract_id):
        f.problem("id", f"{contract_id!r} may hold only letters, digits, '-', '_' and '.'")
    brand_id, twin_id = f.text("brand"), f.text("twin")
    context = _context(f, brand_id, twin_id, parties)
    currency = f.currency("currency")
    context = replace(context, currency=currency)
    start, end = f.day("start"), f.day("end")
    if start is not None and end is not None and end < start:
        f.problem("end", f"{end} is before start {start}")
    terms = read_terms(f, None, context)
    amendments = _amendments(f, terms, start, end, context)
    payment_days = _payment_days(f)
    if problems:
        return None, problems
    if contract_id is None or brand_id is None or twin_id is None or currency is None:
        return None, problems
    if start is None or end is None or terms is None:
        return None, problems
    contract = Contract(
        contract_id,
        brand_id,
        twin_id,
        currency,
        start,
        end,
        terms,
        amendments,
        source=str(path),
        payment_days=payment_days,
    )
    return replace(contract, content_hash=content_hash(contract)), []


def _payment_days(f: Fields) -> int:
    """Days from an invoice's issue date to its due date: a whole number, 0 to 365 (30)."""
    value = f.table.get("payment_days", 30)
    if isinstance(value, bool) or not isinstance(value, int):
        f.problem("payment_days", f"must be a whole number of days, not {value!r}")
        return 30
    if not 0 <= value <= MAX_PAYMENT_DAYS:
        f.problem("payment_days", f"must be from 0 to {MAX_PAYMENT_DAYS} days, got {value}")
        return 30
    return value


def _context(
    f: Fields, brand_id: str | None, twin_id: str | None, parties: Parties
) -> TermsContext:
    brand = next((b for b in parties.brands if b.id == brand_id), None)
    if brand_id is not None and brand is None:
        f.problem("brand", f"unknown brand {brand_id!r}")
    twin = next((t for t in parties.twins if t.id == twin_id), None)
    if twin_id is not None and twin is None:
        f.problem("twin", f"unknown twin {twin_id!r}")
    talent = next((t for t in parties.talents if twin and t.id == twin.talent), None)
    return TermsContext(
        brand_category=brand.category if brand else "general",
        talent=talent.id if talent else None,
        restricted_categories=talent.restricted_categories if talent else (),
        has_agency=talent is None or talent.agency is not None,
    )


def _amendments(
    f: Fields, terms: Terms | None, start: date | None, end: date | None, context: TermsContext
) -> tuple[Amendment, ...]:
    """Each amendment over the terms before it, effective dates strictly increasing in the term."""
    result: list[Amendment] = []
    base = terms or Terms(territories=("WORLD",), channels=("*",))
    previous: date | None = None
    for n, table in enumerate(f.tables("amendments") or [], 1):
        sub = f.nested(f"amendments[{n}]", table)
        sub.check_keys(("effective",), TERM_KEYS, refused=_NOT_AMENDABLE)
        effective = sub.day("effective")
        if effective is not None:
            _check_effective(sub, effective, previous, start, end)
            previous = effective
        amended = read_terms(sub, base, context)
        if amended is not None:
            base = amended
            if effective is not None:
                result.append(Amendment(effective, amended))
    return tuple(result)


def _check_effective(
    f: Fields, effective: date, previous: date | None, start: date | None, end: date | None
) -> None:
    if start is not None and effective == start:
        f.problem(
            "effective",
            f"{effective} is the contract's start; write terms that apply from the start "
            "in the contract itself",
        )
    elif start is not None and end is not None and not start < effective <= end:
        f.problem("effective", f"{effective} is outside the term {start} to {end}")
    if previous is not None and effective <= previous:
        f.problem("effective", f"{effective} is not after the previous amendment's {previous}")


def content_hash(contract: Contract) -> str:
    """sha256 (hex) of the contract's canonical JSON: its meaning, not its TOML layout.

    Key order, formatting, defaults written out or left implicit, "150.00" vs 150 and the order
    of territories, channels and media do not change it; any changed value or rate order does.
    Revision, source and the hash itself are not part of it.
    """
    document = {
        "id": contract.id,
        "brand": contract.brand,
        "twin": contract.twin,
        "currency": contract.currency,
        "start": contract.start.isoformat(),
        "end": contract.end.isoformat(),
        "terms": _canonical(contract.terms),
        "amendments": [_canonical(a) for a in contract.amendments],
    }
    if contract.payment_days != 30:  # the default leaves hashes of earlier contracts as they were
        document["payment_days"] = contract.payment_days
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        result: dict[str, object] = {}
        for field in fields(value):
            item = getattr(value, field.name)
            if field.name in _SET_FIELDS and isinstance(item, tuple):
                item = tuple(sorted(item))
            result[field.name] = _canonical(item)
        return result
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    return value
