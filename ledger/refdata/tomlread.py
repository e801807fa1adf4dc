"""Reading TOML reference files into typed values, keeping every problem as data.

``load_toml`` parses a file with exact decimals (``parse_float=Decimal``). ``Fields`` reads one
table of it: each getter returns the typed value, or None when the key is absent or its value is
wrong, in which case a ``Problem`` naming the file, the record and the key has been recorded.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError, Problem
from ledger.files import REFERENCE_FILE_BYTES, read_input
from ledger.money import (
    MAX_AMOUNT,
    PRICE_PLACES,
    MoneyError,
    dec,
    decimal_places,
    is_currency,
    minor_units,
    shorten,
)

Table = Mapping[str, Any]

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SLUG_RULE = "1 to 64 lowercase letters, digits or '-', starting with a letter or digit"
MAX_TEXT = 200
"""Characters of any string in reference data (names, categories, locales, ids)."""
MAX_ITEMS = 1000
"""Items of an array of strings (territories, channels, restricted categories)."""
FRACTION_PLACES = 10
"""Decimal places of a rate between 0 and 1 (commission, withholding)."""
ZERO = Decimal(0)
TOO_DEEP = "arrays or tables nested too deeply to read"
MAX_MINOR_UNITS = 4
"""Decimal places of an amount whose currency is unknown: the most any ISO 4217 currency has."""
_AT_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")


def load_toml(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The parsed document, or None and the one problem that made it unreadable."""
    file = str(path)
    try:
        raw = read_input(path, REFERENCE_FILE_BYTES)
    except LedgerError as error:
        return None, [Problem(None, None, None, str(error))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(file, f"line {line}", None, "the file is not UTF-8 text")]
    try:
        return tomllib.loads(text, parse_float=Decimal), []
    except tomllib.TOMLDecodeError as error:
        return None, [syntax_problem(file, str(error))]
    except ValueError:  # an integer beyond Python's limit of 4300 digits for int("...")
        return None, [Problem(file, None, None, "a number has more than 4300 digits")]
    except RecursionError:
        return None, [Problem(file, None, None, TOO_DEEP)]


def syntax_problem(file: str, message: str) -> Problem:
    """A TOML syntax error located by line and column: "f.toml: line 3, column 5: Invalid value"."""
    position = _AT_POSITION.search(message)
    if position:
        where = f"line {position.group(1)}, column {position.group(2)}"
        return Problem(file, where, None, f"TOML syntax error: {message[: position.start()]}")
    end = _AT_END.search(message)
    if end:
        return Problem(file, "end of file", None, f"TOML syntax error: {message[: end.start()]}")
    return Problem(file, None, None, f"TOML syntax error: {message}")


def describe(value: object) -> str:
    """What a TOML value is, for messages: "a string", "an array", "a date-time"."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    return type(value).__name__


def too_long(value: str) -> str:
    """ "is 10000000 characters long; at most 200", for a string over MAX_TEXT."""
    return f"is {len(value)} characters long; at most {MAX_TEXT}"


def unknown_key_message(key: str, allowed: Collection[str]) -> str:
    close = get_close_matches(key, list(allowed), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
    return f"unknown key; {hint}"


class Fields:
    """One TOML table of one record; ``prefix`` locates nested tables ("rates[2].tiers[1].")."""

    def __init__(
        self,
        table: Table,
        problems: list[Problem],
        file: str,
        record: str | None,
        prefix: str = "",
    ) -> None:
        self.table = table
        self.problems = problems
        self.file = file
        self.record = record
        self.prefix = prefix

    def nested(self, name: str, table: Table) -> Fields:
        return Fields(table, self.problems, self.file, self.record, f"{self.prefix}{name}.")

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.record, self.prefix + key, message))

    def has(self, key: str) -> bool:
        return key in self.table

    def check_keys(
        self,
        required: Collection[str],
        optional: Collection[str] = (),
        refused: Mapping[str, str] | None = None,
    ) -> None:
        """Missing required keys and unknown keys; ``refused`` keys get their own message."""
        allowed = [*required, *optional]
        for key in self.table:
            if refused and key in refused:
                self.problem(key, refused[key])
            elif key not in allowed:
                self.problem(key, unknown_key_message(key, allowed))
        for key in required:
            if key not in self.table:
                self.problem(key, "required key is missing")

    def _typed(self, key: str, kind: type | tuple[type, ...], noun: str) -> Any:
        if key not in self.table:
            return None
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.problem(key, f"must be {noun}, not {describe(value)}")
            return None
        return value

    def text(self, key: str) -> str | None:
        value = self._typed(key, str, "a string")
        if value is not None and not value.strip():
            self.problem(key, "must not be empty")
            return None
        if value is not None and len(value) > MAX_TEXT:
            self.problem(key, too_long(value))
            return None
        return value

    def name(self, key: str) -> str | None:
        """A display name: any script, but no control characters (line breaks, tabs)."""
        value = self.text(key)
        if value is not None and any(unicodedata.category(c) == "Cc" for c in value):
            self.problem(key, "must not contain control characters such as line breaks")
            return None
        return value

    def slug(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not SLUG.fullmatch(value):
            self.problem(key, f"{value!r} is not a valid id: use {SLUG_RULE}")
            return None
        return value

    def currency(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not is_currency(value):
            self.problem(key, f"{value!r} is not an ISO 4217 currency code")
            return None
        return value

    def choice(self, key: str, options: Collection[str], noun: str) -> str | None:
        value = self.text(key)
        if value is not None and value not in options:
            self.problem(key, f"{value!r} is not a {noun}; use one of {', '.join(options)}")
            return None
        return value

    def decimal(
        self,
        key: str,
        *,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        above: Decimal | None = None,
        limit: Decimal | None = None,
        places: int | None = None,
        unit: str = "",
    ) -> Decimal | None:
        """An exact decimal from a TOML number or a decimal string ("150.00").

        ``minimum`` and ``maximum`` give a range; ``above`` an exclusive lower bound; ``limit``
        an upper bound checked after the lower one. ``places``: the most decimal places that
        may carry a digit ("150.00" has none); ``unit`` says where that limit comes from in the
        message ("EUR's minor unit").
        """
        if key not in self.table:
            return None
        raw = self.table[key]
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            self.problem(
                key, f'must be a number or a decimal string such as "0.20", not {describe(raw)}'
            )
            return None
        try:
            value = dec(raw)
        except MoneyError as error:
            self.problem(key, str(error))
            return None
        shown = shorten(str(value))
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            self.problem(key, f"must be between {minimum} and {maximum}, got {shown}")
        elif minimum is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}, got {shown}")
        elif above is not None and value <= above:
            self.problem(key, f"must be greater than {above}, got {shown}")
        elif limit is not None and value > limit:
            self.problem(key, f"must be at most {limit}, got {shown}")
        elif places is not None and decimal_places(value) > places:
            if places == 0:
                self.problem(key, f"must be a whole number, got {shown}")
            else:
                most = f"{places} decimal place{'' if places == 1 else 's'}"
                self.problem(key, f"has more than {most}{unit}, got {shown}")
        else:
            return value
        return None

    def amount(self, key: str, currency: str | None) -> Decimal | None:
        """An amount from 0 to MAX_AMOUNT in the currency's minor units (4 places when unknown)."""
        known = currency is not None and is_currency(currency)
        places = minor_units(currency) if currency is not None and known else MAX_MINOR_UNITS
        unit = f" ({currency}'s minor unit)" if known else ""
        return self.decimal(key, minimum=ZERO, limit=MAX_AMOUNT, places=places, unit=unit)

    def price(self, key: str) -> Decimal | None:
        """A price per ``per`` units: 0 to MAX_AMOUNT with at most PRICE_PLACES places."""
        return self.decimal(key, minimum=ZERO, limit=MAX_AMOUNT, places=PRICE_PLACES)

    def fraction(self, key: str) -> Decimal | None:
        """A rate from 0 to 1 with at most FRACTION_PLACES decimal places ("0.20")."""
        return self.decimal(key, minimum=ZERO, maximum=Decimal(1), places=FRACTION_PLACES)

    def day(self, key: str) -> date | None:
        if key not in self.table:
            return None
        value = self.table[key]
        if isinstance(value, datetime) or not isinstance(value, date):
            hint = " (write it unquoted)" if isinstance(value, str) else ""
            self.problem(
                key, f"must be a TOML date such as 2026-01-10{hint}, not {describe(value)}"
            )
            return None
        return value

    def flag(self, key: str) -> bool | None:
        value: bool | None = self._typed(key, bool, "true or false")
        return value

    def texts(self, key: str, *, non_empty: bool = False) -> tuple[str, ...] | None:
        """An array of non-empty strings."""
        values = self._typed(key, list, "an array of strings")
        if values is None:
            return None
        if non_empty and not values:
            self.problem(key, "must not be empty")
            return None
        if len(values) > MAX_ITEMS:
            self.problem(key, f"has {len(values)} items; at most {MAX_ITEMS}")
            return None
        for item in values:
            if not isinstance(item, str) or not item.strip():
                self.problem(key, f"every item must be a non-empty string, not {describe(item)}")
                return None
            if len(item) > MAX_TEXT:
                self.problem(key, f"an item {too_long(item)}")
                return None
        return tuple(values)

    def table_at(self, key: str) -> Table | None:
        value: Table | None = self._typed(key, dict, "a table")
        return value

    def tables(self, key: str) -> list[Table] | None:
        """An array of tables (``[[key]]`` or ``key = [{...}, {...}]``)."""
        values = self._typed(key, list, "an array of tables")
        if values is None:
            return None
        for item in values:
            if not isinstance(item, dict):
                self.problem(key, f"every item must be a table, not {describe(item)}")
                return None
        return values
