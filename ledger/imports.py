"""Importing reference data into a workspace: parties, contracts and FX rates (SPEC 1)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ledger.domain import Contract
from ledger.economics.periods import period_bounds
from ledger.errors import LedgerError, Problem, ValidationFailed
from ledger.provenance.consents import check_contract, load_consents
from ledger.refdata.contracts import load_contract_paths, parse_contract
from ledger.refdata.ecb import read_ecb_file
from ledger.refdata.overlaps import exclusivity_warnings, validate_against_existing
from ledger.refdata.parties import parse_parties
from ledger.storage.db import reading, writing
from ledger.storage.periods import closed_periods
from ledger.storage.repo import (
    latest_revision,
    load_contracts,
    load_fx_rows,
    load_parties,
    store_contract,
    store_fx_rates,
    upsert_parties,
)
from ledger.workspace import Workspace


def import_parties(workspace: Workspace, path: Path) -> dict[str, int]:
    """Upsert every party of the file by id; nothing is written if any record is invalid."""
    with writing(workspace.engine) as session:
        existing = load_parties(session)
        parties, problems = parse_parties(path, existing)
        if problems:
            raise ValidationFailed(problems)
        return upsert_parties(session, parties)


@dataclass
class ContractImport:
    """What importing a set of contract files did (or would do, for `validate`)."""

    imported: list[str] = field(default_factory=list)
    amended: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    consents: dict[str, list[str]] = field(default_factory=dict)
    """contract id -> the consents it relies on (SPEC 1.4), for each imported or amended one."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "amended": self.amended,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "consents": self.consents,
        }


def _plan(
    session: Session, paths: list[Path], amend: bool, require_consent: bool = False
) -> tuple[list[tuple[Contract, int]], ContractImport]:
    parties = load_parties(session)
    in_force = load_contracts(session)
    consents = load_consents(session)
    outcome = ContractImport()
    problems: list[Problem] = []
    to_store: list[tuple[Contract, int]] = []
    for file in paths:
        contract, found = parse_contract(file, parties)
        problems += found
        if contract is None or found:
            continue
        stored = latest_revision(session, contract.id)
        if stored is not None and stored.content_hash == contract.content_hash:
            outcome.unchanged.append(contract.id)
            continue
        if stored is not None and not amend:
            problems.append(
                Problem(
                    str(file),
                    f"contract {contract.id}",
                    None,
                    "differs from the imported contract; import it as an amendment to store "
                    f"revision {stored.revision + 1}",
                )
            )
            continue
        others = [c for c in in_force if c.id != contract.id]
        others += [c for c, _ in to_store if c.id != contract.id]
        problems += validate_against_existing(contract, others)
        outcome.warnings += exclusivity_warnings(contract, others)
        consent = check_contract(contract, consents, require_consent)
        problems += consent.problems
        if consent.warning:
            outcome.warnings.append(consent.warning)
        outcome.consents[contract.id] = list(consent.relies_on)
        (outcome.amended if stored else outcome.imported).append(contract.id)
        to_store.append((contract, stored.revision + 1 if stored else 1))
    if problems:
        raise ValidationFailed(problems)
    return to_store, outcome


def _paths(path: Path) -> list[Path]:
    if not path.exists():
        raise LedgerError(f"{path}: no such file or directory")
    paths = load_contract_paths(path)
    if not paths:
        raise LedgerError(f"{path}: no contract files (*.toml) found")
    return paths


def import_contracts(workspace: Workspace, path: Path, amend: bool = False) -> ContractImport:
    """Import one contract file or a directory of them, all or nothing.

    A contract whose id is stored with the same content is unchanged; with changed content it is
    refused unless ``amend`` is given, and then stored as a new revision (the old one is kept).
    """
    paths = _paths(path)
    with writing(workspace.engine) as session:
        to_store, outcome = _plan(session, paths, amend, workspace.require_consent)
        for contract, revision in to_store:
            store_contract(session, contract, revision)
    return outcome


def validate_contracts(workspace: Workspace, path: Path, amend: bool = False) -> ContractImport:
    """Check contract files as `import` would, without storing anything."""
    paths = _paths(path)
    with reading(workspace.engine) as session:
        return _plan(session, paths, amend, workspace.require_consent)[1]


def list_contracts(workspace: Workspace) -> list[Contract]:
    with reading(workspace.engine) as session:
        return sorted(load_contracts(session), key=lambda c: (c.brand, c.id))


@dataclass(frozen=True)
class FxChange:
    """A stored rate that an import overwrote."""

    currency: str
    day: date
    old: Decimal
    new: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "date": self.day.isoformat(),
            "old": _plain(self.old),
            "new": _plain(self.new),
        }


def _plain(value: Decimal) -> str:
    """A rate without trailing zeros, whichever database stored it: "1.08", not "1.080000000000"."""
    return f"{value.normalize():f}"


@dataclass
class FxImport:
    """What importing an FX file did: rates new to the workspace, already stored with the same
    value, and overwritten (only ever rates that no closed period used)."""

    new: int = 0
    unchanged: int = 0
    updated: list[FxChange] = field(default_factory=list)

    @property
    def rates(self) -> int:
        return self.new + self.unchanged + len(self.updated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rates": self.rates,
            "new": self.new,
            "unchanged": self.unchanged,
            "updated": [c.as_dict() for c in self.updated],
        }


def _closed_use(
    stored: dict[tuple[date, str], Decimal], closed: Sequence[str], max_age_days: int
) -> dict[str, list[tuple[date, date, str]]]:
    """currency -> (rate date, last day, period) for each closed period that could convert it.

    A period converts on its last day with the last rate on or before it, if at most
    ``max_age_days`` old (SPEC 1.3); that rate, and the days after it up to the period's end,
    are settled for the period once it is closed.
    """
    dates: dict[str, list[date]] = defaultdict(list)
    for day, currency in stored:
        dates[currency].append(day)
    used: dict[str, list[tuple[date, date, str]]] = defaultdict(list)
    for currency, days in dates.items():
        days.sort()
        for period in closed:
            last = period_bounds(period)[1]
            index = bisect_right(days, last)
            if index and (last - days[index - 1]).days <= max_age_days:
                used[currency].append((days[index - 1], last, period))
    return used


def _plan_fx(
    name: str,
    incoming: list[tuple[date, str, Decimal]],
    stored: dict[tuple[date, str], Decimal],
    used: dict[str, list[tuple[date, date, str]]],
) -> tuple[FxImport, list[tuple[date, str, Decimal]], list[Problem]]:
    outcome = FxImport()
    new: list[tuple[date, str, Decimal]] = []
    problems: list[Problem] = []
    for day, currency, value in incoming:
        old = stored.get((day, currency))
        if old is not None and old == value:
            outcome.unchanged += 1
            continue
        for rate_day, last, period in used.get(currency, ()):
            if old is not None and day == rate_day:
                message = (
                    f"closed period {period} used the rate {_plain(old)}; refusing to change it "
                    f"to {_plain(value)}"
                )
            elif old is None and rate_day < day <= last:
                message = (
                    f"closed period {period} used the {currency} rate of {rate_day}; refusing "
                    f"a new rate {_plain(value)} that would stand in its place"
                )
            else:
                continue
            problems.append(Problem(name, None, None, f"{currency} on {day}: {message}"))
            break
        else:
            if old is None:
                outcome.new += 1
                new.append((day, currency, value))
            else:
                outcome.updated.append(FxChange(currency, day, old, value))
    return outcome, new, problems


def import_fx(workspace: Workspace, path: Path) -> FxImport:
    """Import an ECB rate file (SPEC 1.3), all or nothing.

    Rates already stored with the same value are unchanged; a changed value is stored unless a
    closed period used the rate (or would now use the new one), which refuses the whole file.
    """
    table, problems = read_ecb_file(path)
    if problems:
        raise ValidationFailed(problems)
    with writing(workspace.engine) as session:
        stored = {(day, ccy): value for day, ccy, value in load_fx_rows(session)}
        used = _closed_use(stored, closed_periods(session), workspace.fx_max_age_days)
        outcome, new, problems = _plan_fx(str(path), list(table.rows()), stored, used)
        if problems:
            raise ValidationFailed(problems)
        store_fx_rates(session, new, [(c.day, c.currency, c.new) for c in outcome.updated])
    return outcome
