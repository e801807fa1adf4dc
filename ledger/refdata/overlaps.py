"""Checks of a contract against the contracts already stored.

Overlapping terms of one brand's contracts for one twin are an error (a use must have one
contract). Overlapping contracts of different brands for one twin are normal, unless one of them
is exclusive for a shared category and territory: that is a warning for the agency to resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ledger.domain import Contract, Terms
from ledger.errors import Problem
from ledger.refdata.countries import COUNTRIES, WORLD

_LISTED_TERRITORIES = 6


def validate_against_existing(contract: Contract, existing: Sequence[Contract]) -> list[Problem]:
    """One problem per other contract of the same brand and twin whose term overlaps."""
    problems = []
    for other in _latest(existing, contract):
        if other.brand != contract.brand or other.twin != contract.twin:
            continue
        overlap = _overlap(contract.start, contract.end, other.start, other.end)
        if overlap is None:
            continue
        first, last = overlap
        problems.append(
            Problem(
                contract.source or None,
                f"contract {contract.id}",
                "start",
                f"term {contract.start} to {contract.end} overlaps contract {other.id} "
                f"({other.start} to {other.end}) for brand {contract.brand} and twin "
                f"{contract.twin} from {first} to {last}",
            )
        )
    return problems


def exclusivity_warnings(contract: Contract, existing: Sequence[Contract]) -> list[str]:
    """Sentences naming both contracts and brands where an exclusive licence meets another one.

    Checked per contract version, so an amendment that makes a contract exclusive, or changes its
    category or territories, is seen from its effective date.
    """
    warnings: list[str] = []
    for other in _latest(existing, contract):
        if other.twin != contract.twin or other.brand == contract.brand:
            continue
        for mine in contract.versions():
            for theirs in other.versions():
                overlap = _overlap(
                    mine.effective_from,
                    mine.effective_to,
                    theirs.effective_from,
                    theirs.effective_to,
                )
                if overlap is None or not (mine.terms.exclusive or theirs.terms.exclusive):
                    continue
                if mine.terms.category != theirs.terms.category:
                    continue
                shared = territory_set(mine.terms) & territory_set(theirs.terms)
                if not shared:
                    continue
                sentence = _sentence(
                    contract, other, mine.terms, theirs.terms, sorted(shared), overlap
                )
                if sentence not in warnings:
                    warnings.append(sentence)
    return warnings


def territory_set(terms: Terms) -> frozenset[str]:
    """The country codes a version licenses: WORLD is every country, minus the excluded ones."""
    listed = COUNTRIES if WORLD in terms.territories else frozenset(terms.territories)
    return listed - frozenset(terms.excluded_territories)


def _latest(existing: Sequence[Contract], contract: Contract) -> list[Contract]:
    """The newest revision of each stored contract other than ``contract`` itself."""
    newest: dict[str, Contract] = {}
    for other in existing:
        if other.id == contract.id:
            continue
        if other.id not in newest or other.revision > newest[other.id].revision:
            newest[other.id] = other
    return list(newest.values())


def _overlap(
    start: date, end: date, other_start: date, other_end: date
) -> tuple[date, date] | None:
    first, last = max(start, other_start), min(end, other_end)
    return (first, last) if first <= last else None


def _sentence(
    contract: Contract,
    other: Contract,
    mine: Terms,
    theirs: Terms,
    shared: list[str],
    overlap: tuple[date, date],
) -> str:
    if mine.exclusive and theirs.exclusive:
        who = "both are exclusive"
    else:
        who = f"{contract.id if mine.exclusive else other.id} is exclusive"
    if len(shared) == len(COUNTRIES):
        where = "every territory"
    elif len(shared) > _LISTED_TERRITORIES:
        more = len(shared) - _LISTED_TERRITORIES
        where = f"{', '.join(shared[:_LISTED_TERRITORIES])} and {more} more territories"
    else:
        where = ", ".join(shared)
    return (
        f"Contract {contract.id} (brand {contract.brand}) and contract {other.id} "
        f"(brand {other.brand}) both license twin {contract.twin} for {mine.category} in {where} "
        f"from {overlap[0]} to {overlap[1]}, and {who}."
    )
