"""Parties file (SPEC 1.1): agencies, talents, brands and twins, read and checked as a whole.

Records are located as ``talents[2] liv-s`` (1-based position within its array, then the id).
Importing is an upsert over what is stored, so references (a talent's agency, a twin's talent) may
point at records of this file or of the stored ``existing`` parties.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from babel import Locale, UnknownLocaleError

from ledger.domain import Agency, Brand, Parties, Talent, Twin
from ledger.errors import Problem
from ledger.refdata.bank import bank_account
from ledger.refdata.legal import KEYS as LEGAL_KEYS
from ledger.refdata.legal import REGISTRABLE, legal_fields
from ledger.refdata.tomlread import Fields, Table, load_toml, unknown_key_message

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "agencies": (
        ("id", "name", "currency", "commission"),
        ("min_payout", "locale", "iban", "bic", *LEGAL_KEYS, *REGISTRABLE),
    ),
    "talents": (
        ("id", "name", "payout_currency"),
        (
            "agency",
            "withholding_rate",
            "min_payout",
            "restricted_categories",
            "locale",
            "iban",
            "bic",
            *LEGAL_KEYS,
            *REGISTRABLE,
        ),
    ),
    "brands": (("id", "name", "currency"), ("category", "locale", *LEGAL_KEYS)),
    "twins": (("id", "talent"), ("created_on", "revoked_on", "locale")),
}
_SINGULAR = {"agencies": "agency", "talents": "talent", "brands": "brand", "twins": "twin"}
# Agencies, talents and brands share one id space: statements and reports name a party by id alone.
_PARTY_KINDS = ("agencies", "talents", "brands")

Record = TypeVar("Record", Agency, Talent, Brand, Twin)


def parse_parties(path: Path, existing: Parties | None = None) -> tuple[Parties, list[Problem]]:
    """The parties of a SPEC 1.1 file and every problem found in it.

    The returned parties hold only the records without problems; a caller imports the file only
    when the problem list is empty.
    """
    existing = existing or Parties()
    data, problems = load_toml(path)
    if data is None:
        return Parties(), problems
    file = str(path)
    for key in data:
        if key not in KINDS:
            problems.append(Problem(file, None, key, unknown_key_message(key, list(KINDS))))
    sections: dict[str, list[Fields]] = {}
    reader = Fields(data, problems, file, None)
    for kind in KINDS:
        sections[kind] = [
            Fields(table, problems, file, _label(kind, n, table))
            for n, table in enumerate(reader.tables(kind) or [], 1)
        ]
    _check_ids(sections, existing, problems)
    agency_ids = _declared(sections["agencies"]) | {a.id for a in existing.agencies}
    talent_ids = _declared(sections["talents"]) | {t.id for t in existing.talents}
    parties = Parties(
        agencies=_collect(_agency(f) for f in sections["agencies"]),
        talents=_collect(_talent(f, agency_ids) for f in sections["talents"]),
        brands=_collect(_brand(f) for f in sections["brands"]),
        twins=_collect(_twin(f, talent_ids) for f in sections["twins"]),
    )
    position = {f.record: n for n, f in enumerate(f for kind in KINDS for f in sections[kind])}
    problems.sort(key=lambda p: -1 if p.record is None else position.get(p.record, -1))
    return parties, problems


def merge_parties(existing: Parties, new: Parties) -> Parties:
    """``existing`` updated by ``new``: same id replaces in place, new ids are appended."""
    return Parties(
        agencies=_upsert(existing.agencies, new.agencies),
        talents=_upsert(existing.talents, new.talents),
        brands=_upsert(existing.brands, new.brands),
        twins=_upsert(existing.twins, new.twins),
    )


def _upsert(old: tuple[Record, ...], new: tuple[Record, ...]) -> tuple[Record, ...]:
    incoming: dict[str, Record] = {record.id: record for record in new}
    kept: list[Record] = [incoming.pop(record.id, record) for record in old]
    return tuple(kept + list(incoming.values()))


def _label(kind: str, n: int, table: Table) -> str:
    record_id = table.get("id")
    return f"{kind}[{n}] {record_id}" if isinstance(record_id, str) else f"{kind}[{n}]"


def _declared(records: list[Fields]) -> set[str]:
    return {f.table["id"] for f in records if isinstance(f.table.get("id"), str)}


def _collect(records: Iterable[Record | None]) -> tuple[Record, ...]:
    return tuple(record for record in records if record is not None)


def _check_ids(
    sections: dict[str, list[Fields]], existing: Parties, problems: list[Problem]
) -> None:
    """An id appears once per kind, and once across agencies, talents and brands."""
    stored = {a.id: "agencies" for a in existing.agencies}
    stored |= {t.id: "talents" for t in existing.talents}
    stored |= {b.id: "brands" for b in existing.brands}
    first: dict[tuple[str, str], str | None] = {}
    for kind, records in sections.items():
        for f in records:
            record_id = f.table.get("id")
            if not isinstance(record_id, str):
                continue
            scope = "parties" if kind in _PARTY_KINDS else kind
            earlier = first.setdefault((scope, record_id), f.record)
            if earlier != f.record:
                f.problem("id", f"duplicate id {record_id!r}; {earlier} already uses it")
            elif kind in _PARTY_KINDS and stored.get(record_id, kind) != kind:
                other = _SINGULAR[stored[record_id]]
                f.problem("id", f"id {record_id!r} is already used by the stored {other}")


def _locale(f: Fields) -> str | None:
    """Babel's canonical form of the locale ("sv-SE" and "sv_SE" both give "sv_SE")."""
    if not f.has("locale"):
        return "en"
    value = f.text("locale")
    if value is None:
        return None
    try:
        return str(Locale.parse(value.strip(), sep="-" if "-" in value else "_"))
    except (ValueError, UnknownLocaleError):
        f.problem("locale", f"{value!r} is not a locale (such as 'en', 'sv_SE' or 'ja')")
        return None


def _start(f: Fields, kind: str) -> int:
    required, optional = KINDS[kind]
    before = len(f.problems)
    f.check_keys(required, optional)
    return before


def _agency(f: Fields) -> Agency | None:
    before = _start(f, "agencies")
    record_id, name = f.slug("id"), f.name("name")
    currency, commission = f.currency("currency"), f.fraction("commission")
    min_payout = f.amount("min_payout", currency)
    locale = _locale(f)
    iban, bic = bank_account(f)
    legal = legal_fields(f, registrable=True)
    if len(f.problems) > before:
        return None
    if record_id is None or name is None or currency is None or commission is None or not locale:
        return None
    return Agency(
        record_id,
        name,
        currency,
        commission,
        locale,
        min_payout=Decimal(0) if min_payout is None else min_payout,
        iban=iban,
        bic=bic,
        **legal,
    )


def _talent(f: Fields, agency_ids: set[str]) -> Talent | None:
    before = _start(f, "talents")
    record_id, name = f.slug("id"), f.name("name")
    currency = f.currency("payout_currency")
    agency = f.slug("agency")
    if agency is not None and agency not in agency_ids:
        f.problem("agency", f"unknown agency {agency!r}")
    withholding = f.fraction("withholding_rate")
    min_payout = f.amount("min_payout", currency)
    restricted = f.texts("restricted_categories")
    locale = _locale(f)
    iban, bic = bank_account(f)
    legal = legal_fields(f, registrable=True)
    if len(f.problems) > before:
        return None
    if record_id is None or name is None or currency is None or not locale:
        return None
    return Talent(
        id=record_id,
        name=name,
        payout_currency=currency,
        agency=agency,
        withholding_rate=Decimal(0) if withholding is None else withholding,
        min_payout=Decimal(0) if min_payout is None else min_payout,
        restricted_categories=restricted or (),
        locale=locale,
        iban=iban,
        bic=bic,
        **legal,
    )


def _brand(f: Fields) -> Brand | None:
    before = _start(f, "brands")
    record_id, name = f.slug("id"), f.name("name")
    currency, category = f.currency("currency"), f.text("category")
    locale = _locale(f)
    legal = legal_fields(f, registrable=False)
    if len(f.problems) > before:
        return None
    if record_id is None or name is None or currency is None or not locale:
        return None
    return Brand(record_id, name, currency, category or "general", locale, **legal)


def _twin(f: Fields, talent_ids: set[str]) -> Twin | None:
    before = _start(f, "twins")
    record_id, talent = f.slug("id"), f.slug("talent")
    if talent is not None and talent not in talent_ids:
        f.problem("talent", f"unknown talent {talent!r}")
    created_on, revoked_on = f.day("created_on"), f.day("revoked_on")
    if created_on and revoked_on and revoked_on < created_on:
        f.problem("revoked_on", f"{revoked_on} is before created_on {created_on}")
    locale = _locale(f)
    if len(f.problems) > before:
        return None
    if record_id is None or talent is None or not locale:
        return None
    return Twin(record_id, talent, created_on, revoked_on, locale)
