"""Importing reference data into a workspace: parties, contracts and FX rates (SPEC 1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from ledger.domain import Contract
from ledger.errors import LedgerError, Problem, ValidationFailed
from ledger.fx import parse_ecb_csv
from ledger.refdata.contracts import load_contract_paths, parse_contract
from ledger.refdata.overlaps import exclusivity_warnings, validate_against_existing
from ledger.refdata.parties import parse_parties
from ledger.storage.db import reading, writing
from ledger.storage.repo import (
    latest_revision,
    load_contracts,
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

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "imported": self.imported,
            "amended": self.amended,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
        }


def _plan(
    session: Session, paths: list[Path], amend: bool
) -> tuple[list[tuple[Contract, int]], ContractImport]:
    parties = load_parties(session)
    in_force = load_contracts(session)
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
                    "differs from the imported contract; give --amend to store it as "
                    f"revision {stored.revision + 1}",
                )
            )
            continue
        others = [c for c in in_force if c.id != contract.id]
        others += [c for c, _ in to_store if c.id != contract.id]
        problems += validate_against_existing(contract, others)
        outcome.warnings += exclusivity_warnings(contract, others)
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
        to_store, outcome = _plan(session, paths, amend)
        for contract, revision in to_store:
            store_contract(session, contract, revision)
    return outcome


def validate_contracts(workspace: Workspace, path: Path, amend: bool = False) -> ContractImport:
    """Check contract files as `import` would, without storing anything."""
    paths = _paths(path)
    with reading(workspace.engine) as session:
        return _plan(session, paths, amend)[1]


def list_contracts(workspace: Workspace) -> list[Contract]:
    with reading(workspace.engine) as session:
        return sorted(load_contracts(session), key=lambda c: (c.brand, c.id))


def import_fx(workspace: Workspace, path: Path) -> int:
    table, problems = parse_ecb_csv(path)
    if problems:
        raise ValidationFailed(problems)
    with writing(workspace.engine) as session:
        return store_fx_rates(session, table.rows())
