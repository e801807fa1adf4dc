"""Consent records (SPEC 1.4): what a talent consented to for a twin, and the contract check.

A consent file holds ``[[consents]]`` tables, each one signed document: the twin, its scope
(territories, channels, media, categories), purpose, rate basis, term and the sha256 of the
signed document. Importing is an upsert by id, all or nothing.

Every version of a contract (its terms, and each amendment's) must lie inside one consent of its
twin: the version's days inside the consent's term, its territories, channels and media among
the consent's, its category one the consent names. A contract outside them is refused naming
the term; a twin with no consent on file gives a warning, or a refusal in strict mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.domain import MEDIA, Contract, ContractVersion, Parties
from ledger.errors import Problem, ValidationFailed
from ledger.refdata.countries import WORLD
from ledger.refdata.terms import ANY, _channels, _media, _territories
from ledger.refdata.tomlread import Fields, load_toml
from ledger.storage.db import reading, writing
from ledger.storage.repo import load_contracts, load_parties, now
from ledger.storage.tables import ConsentRow
from ledger.workspace import Workspace

CONSENT_ID = re.compile(r"[A-Za-z0-9._-]+")
SHA256 = re.compile(r"[0-9a-f]{64}")
REQUIRED = ("id", "twin", "purpose", "rate_basis", "start", "end", "signed_on", "document_sha256")
SCOPE_REQUIRED = ("territories", "channels", "categories")


@dataclass(frozen=True)
class Consent:
    id: str
    twin: str
    territories: tuple[str, ...]
    channels: tuple[str, ...]
    media: tuple[str, ...]
    categories: tuple[str, ...]
    purpose: str
    rate_basis: str
    start: date
    end: date
    signed_on: date
    document_sha256: str
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "twin": self.twin,
            "scope": {
                "territories": list(self.territories),
                "channels": list(self.channels),
                "media": list(self.media),
                "categories": list(self.categories),
            },
            "purpose": self.purpose,
            "rate_basis": self.rate_basis,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "signed_on": self.signed_on.isoformat(),
            "document_sha256": self.document_sha256,
        }


def _categories(f: Fields) -> tuple[str, ...] | None:
    values = f.texts("categories", non_empty=True)
    if values is not None and ANY in values and len(values) > 1:
        f.problem("categories", f"{ANY!r} means every category; give it alone")
        return None
    return values


def _consent(f: Fields, twins: set[str]) -> Consent | None:
    before = len(f.problems)
    f.check_keys((*REQUIRED, "scope"))
    consent_id = f.text("id")
    if consent_id is not None and not CONSENT_ID.fullmatch(consent_id):
        f.problem("id", f"{consent_id!r} may hold only letters, digits, '-', '_' and '.'")
    twin = f.text("twin")
    if twin is not None and twin not in twins:
        f.problem("twin", f"unknown twin {twin!r}")
    purpose, rate_basis = f.name("purpose"), f.name("rate_basis")
    start, end, signed_on = f.day("start"), f.day("end"), f.day("signed_on")
    if start is not None and end is not None and end < start:
        f.problem("end", f"{end} is before start {start}")
    digest = f.text("document_sha256")
    if digest is not None and not SHA256.fullmatch(digest.lower()):
        f.problem("document_sha256", f"{digest!r} is not a sha256 (64 hexadecimal digits)")
    scope = f.table_at("scope")
    territories = channels = media = categories = None
    if scope is not None:
        s = f.nested("scope", scope)
        s.check_keys(SCOPE_REQUIRED, ("media",))
        territories, channels, categories = _territories(s), _channels(s), _categories(s)
        media = _media(s) if s.has("media") else MEDIA
    if len(f.problems) > before:
        return None
    assert consent_id and twin and purpose and rate_basis and start and end and signed_on
    assert digest and territories and channels and media and categories
    return Consent(
        consent_id,
        twin,
        territories,
        channels,
        media,
        categories,
        purpose,
        rate_basis,
        start,
        end,
        signed_on,
        digest.lower(),
        str(f.file),
    )


def parse_consents(path: Path, parties: Parties) -> tuple[list[Consent], list[Problem]]:
    """Every consent of the file, or the problems found in it."""
    data, problems = load_toml(path)
    if data is None:
        return [], problems
    top = Fields(data, problems, str(path), None)
    top.check_keys(("consents",))
    tables = top.tables("consents") or []
    twins = {t.id for t in parties.twins}
    found: list[Consent] = []
    seen: set[str] = set()
    for n, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            continue
        raw = table.get("id")
        record = f"consents[{n}]" + (f" {raw}" if isinstance(raw, str) and raw.strip() else "")
        consent = _consent(Fields(table, problems, str(path), record), twins)
        if consent is None:
            continue
        if consent.id in seen:
            problems.append(Problem(str(path), record, "id", f"{consent.id!r} is given twice"))
        seen.add(consent.id)
        found.append(consent)
    return ([], problems) if problems else (found, [])


def _row(consent: Consent) -> dict[str, Any]:
    return {
        "twin": consent.twin,
        "purpose": consent.purpose,
        "rate_basis": consent.rate_basis,
        "start": consent.start,
        "end": consent.end,
        "signed_on": consent.signed_on,
        "document_sha256": consent.document_sha256,
        "territories": json.dumps(list(consent.territories)),
        "channels": json.dumps(list(consent.channels)),
        "media": json.dumps(list(consent.media)),
        "categories": json.dumps(list(consent.categories)),
    }


def import_consents(workspace: Workspace, path: Path) -> dict[str, list[str]]:
    """Upsert every consent of the file by id; nothing is written if any is invalid. A contract
    in force that no longer lies inside its twin's consents is named in ``warnings``."""
    with writing(workspace.engine) as session:
        consents, problems = parse_consents(path, load_parties(session))
        if problems:
            raise ValidationFailed(problems)
        outcome: dict[str, list[str]] = {
            "imported": [],
            "updated": [],
            "unchanged": [],
            "warnings": [],
        }
        for consent in consents:
            values = _row(consent)
            row = session.get(ConsentRow, consent.id)
            if row is None:
                session.add(
                    ConsentRow(id=consent.id, source=str(path), imported_at=now(), **values)
                )
                outcome["imported"].append(consent.id)
            elif all(getattr(row, k) == v for k, v in values.items()):
                outcome["unchanged"].append(consent.id)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.source, row.imported_at = str(path), now()
                session.add(row)
                outcome["updated"].append(consent.id)
        session.flush()
        outcome["warnings"] = uncovered(session, {c.twin for c in consents})
        return outcome


def uncovered(session: Session, twins: set[str]) -> list[str]:
    """One line per contract in force of ``twins`` that lies outside its twin's consents."""
    consents = load_consents(session)
    lines = []
    for contract in sorted(load_contracts(session), key=lambda c: c.id):
        if contract.twin not in twins:
            continue
        found = check_contract(contract, consents).problems
        if found:
            first = found[0]
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            lines.append(
                f"contract {contract.id} is no longer inside the consents of twin "
                f"{contract.twin}: {first.field}: {first.message}{more}"
            )
    return lines


def load_consents(session: Session) -> list[Consent]:
    rows = session.exec(select(ConsentRow).order_by(ConsentRow.id)).all()
    return [
        Consent(
            r.id,
            r.twin,
            tuple(json.loads(r.territories)),
            tuple(json.loads(r.channels)),
            tuple(json.loads(r.media)),
            tuple(json.loads(r.categories)),
            r.purpose,
            r.rate_basis,
            r.start,
            r.end,
            r.signed_on,
            r.document_sha256,
            r.source,
        )
        for r in rows
    ]


def consents_changed_since(session: Session, moment: datetime) -> bool:
    """True when a consent was imported or changed after ``moment`` (a draft's run)."""
    later = select(ConsentRow.id).where(col(ConsentRow.imported_at) > moment)
    return session.exec(later.limit(1)).first() is not None


def list_consents(workspace: Workspace) -> list[Consent]:
    with reading(workspace.engine) as session:
        return load_consents(session)


# -- the contract check -----------------------------------------------------------------------


def _outside(
    contract: Contract, version: ContractVersion, last: int, consent: Consent
) -> list[tuple[str, str]]:
    """(key, message) for every term of ``version`` outside ``consent``."""
    n = version.version_no
    prefix = f"amendments[{n}]." if n else ""
    terms = version.terms
    named = f"consent {consent.id}"
    found = []
    if version.effective_from < consent.start:
        key = "start" if n == 0 else f"amendments[{n}].effective"
        found.append((key, f"{version.effective_from} is before {named} starts ({consent.start})"))
    if version.effective_to > consent.end:
        key = "end" if n == last else f"amendments[{n + 1}].effective"
        day = contract.end if n == last else version.effective_to
        found.append((key, f"{day} is after {named} ends ({consent.end})"))
    lists = (
        ("territories", terms.territories, consent.territories, WORLD),
        ("channels", terms.channels, consent.channels, ANY),
        ("media", terms.media, consent.media, None),
        ("category", (terms.category,), consent.categories, ANY),
    )
    for key, used, allowed, everything in lists:
        if everything is not None and everything in allowed:
            continue
        outside = [value for value in used if value not in allowed]
        if outside:
            found.append(
                (
                    prefix + key,
                    f"{', '.join(outside)} not covered by {named} (it covers {', '.join(allowed)})",
                )
            )
    return found


@dataclass(frozen=True)
class ConsentCheck:
    """What checking one contract against its twin's consents found."""

    relies_on: tuple[str, ...]  # consent ids, one per version, without repeats
    problems: tuple[Problem, ...]
    warning: str | None


def check_contract(
    contract: Contract, consents: Sequence[Consent], require: bool = False
) -> ConsentCheck:
    """Check every version of ``contract`` against the consents of its twin."""
    own = [c for c in consents if c.twin == contract.twin]
    record = f"contract {contract.id}"
    file = contract.source or None
    if not own:
        message = f"twin {contract.twin} has no consent on file"
        if require:
            problem = Problem(file, record, "twin", message + "; a consent is required")
            return ConsentCheck((), (problem,), None)
        where = ": ".join(p for p in (file, record) if p)
        return ConsentCheck((), (), f"{where}: {message}; the contract relies on none")
    versions = contract.versions()
    last = len(versions) - 1
    relies: list[str] = []
    problems: list[Problem] = []
    for version in versions:
        ranked = sorted(
            own, key=lambda c: (len(_outside(contract, version, last, c)), -c.end.toordinal())
        )
        best = ranked[0]
        failures = _outside(contract, version, last, best)
        if failures:
            problems += [Problem(file, record, key, message) for key, message in failures]
        elif best.id not in relies:
            relies.append(best.id)
    if problems:
        return ConsentCheck((), tuple(problems), None)
    return ConsentCheck(tuple(relies), (), None)


def relied_on(contract: Contract, consents: Sequence[Consent]) -> tuple[Consent, ...]:
    """The consents ``contract`` relies on (none when it is outside every one or has none)."""
    ids = check_contract(contract, consents).relies_on
    by_id = {c.id: c for c in consents}
    return tuple(by_id[i] for i in ids)
