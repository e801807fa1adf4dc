"""Errors as data until the edge.

Library code returns ``Problem`` lists (validation) or raises ``LedgerError`` (a refused
operation). Only the CLI turns them into a one-line message and an exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``record`` names the record ("talents[2] liv-s", "contract ZEP-2026-001", "line 14");
    ``field`` the key or column.
    """

    file: str | None
    record: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.record, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class LedgerError(Exception):
    """An operation the ledger refuses (bad input, closed period, conflict). CLI exit code 1."""


class ValidationFailed(LedgerError):
    """Input that failed validation; carries every problem found, the first one in the message."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem(s))" if more > 0 else ""))


class PeriodNotSettled(LedgerError):
    """A period that has no draft or closed settlement to work from."""

    def __init__(self, message: str, period: str):
        super().__init__(message)
        self.period = period


class DraftOutdated(LedgerError):
    """A draft that no longer matches what the ledger knows; it must be settled again."""

    def __init__(self, message: str, period: str):
        super().__init__(message)
        self.period = period


class NotAWorkspace(LedgerError):
    """A folder without workspace settings."""


class SchemaOutdated(LedgerError):
    """A workspace database older than this version of twinledger."""


class ForeignDatabase(LedgerError):
    """A workspace whose database records another folder as its owner."""


class DemoWorkspaceTaken(LedgerError):
    """A folder holding a workspace that the demo did not create (it is never overwritten)."""


class AmbiguousParty(LedgerError):
    """An id used by parties of more than one type."""
