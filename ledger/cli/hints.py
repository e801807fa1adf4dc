"""What the command line adds to a library refusal: the command or option that resolves it.

Library errors say what is wrong; only here are commands and flags named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger import errors

HINTS: dict[type[errors.LedgerError], Callable[[Any], str]] = {
    errors.PeriodNotSettled: lambda e: f"; run `twinledger settle run {e.period}` first",
    errors.DraftOutdated: lambda e: (
        f"; run `twinledger settle run {e.period}` and review it again before closing"
    ),
    errors.NotAWorkspace: lambda e: " (run `twinledger init` first)",
    errors.SchemaOutdated: lambda e: "; run `twinledger init` to upgrade",
    errors.ForeignDatabase: lambda e: " with `twinledger init --adopt` here",
    errors.DemoWorkspaceTaken: lambda e: "; give the demo another --workspace",
    errors.AmbiguousParty: lambda e: "; say which with --type",
}


def message(exc: errors.LedgerError) -> str:
    """The refusal as the command line prints it: the library's words and, where one helps, the
    command or option to use."""
    for kind in type(exc).__mro__:
        hint = HINTS.get(kind)
        if hint is not None:
            return str(exc) + hint(exc)
    return str(exc)
