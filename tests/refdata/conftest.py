"""Tiny TOML files written from dedented text, and the parties of SPEC 1.1."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.domain import Parties
from ledger.refdata.parties import parse_parties

Write = Callable[[str, str], Path]

PARTIES_TOML = """
    [[agencies]]
    id = "nordlys"
    name = "Nordlys Model Management"
    currency = "SEK"
    commission = "0.20"

    [[talents]]
    id = "liv-s"
    name = "Liv Sandström"
    agency = "nordlys"
    payout_currency = "SEK"
    withholding_rate = "0"
    min_payout = "500.00"
    restricted_categories = ["alcohol", "politics"]

    [[talents]]
    id = "ana-k"
    name = "Ана Ковалёва"
    payout_currency = "EUR"

    [[brands]]
    id = "zephyr"
    name = "Zephyr & Co"
    currency = "EUR"
    category = "apparel"

    [[brands]]
    id = "aurora"
    name = "Aurora"
    currency = "EUR"
    category = "apparel"

    [[twins]]
    id = "liv-s-twin-1"
    talent = "liv-s"
    created_on = 2026-01-10
    revoked_on = 2026-12-01

    [[twins]]
    id = "ana-k-twin-1"
    talent = "ana-k"
"""


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def parties(write: Write) -> Parties:
    result, problems = parse_parties(write("parties.toml", PARTIES_TOML))
    assert problems == []
    return result
