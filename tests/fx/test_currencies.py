"""Withdrawn ISO 4217 codes are valid in rate files, never as a party's or contract's currency."""

from __future__ import annotations

import pytest

from ledger.money import MINOR_UNITS, WITHDRAWN, is_currency, is_withdrawn_currency
from tests.conftest import Books

ECB_WITHDRAWN = "BGN CYP EEK HRK LTL LVL MTL ROL SIT SKK TRL".split()


def test_the_ecb_withdrawn_columns_are_withdrawn_codes() -> None:
    for code in ECB_WITHDRAWN:
        assert is_withdrawn_currency(code) and not is_currency(code), code
    for code in ("DEM", "FRF", "ITL", "ZWD", "VEF"):
        assert is_withdrawn_currency(code), code
    assert not WITHDRAWN & MINOR_UNITS.keys()
    for code in ("EUR", "USD", "RUB", "XYZ", "XAU", "usd"):
        assert not is_withdrawn_currency(code), code


@pytest.mark.parametrize("code", ["BGN", "CYP"])
def test_a_party_currency_must_be_active(books: Books, code: str) -> None:
    parties = books.write(
        "parties.toml",
        f"""
        [[brands]]
        id = "b1"
        name = "Brand"
        currency = "{code}"
        """,
    )
    message = books.refused("parties", "import", parties)
    assert message.startswith(f"error: {parties}: brands[1] b1: currency: ")
    assert code in message
