"""The `twinledger` command line: a thin typer layer over the library.

Commands parse arguments, call the library and print through ``ledger.cli.output``. Refusals
(``LedgerError``) and storage errors become one line on stderr and exit code 1; usage errors
exit 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from ledger.cli import hints, output
from ledger.errors import LedgerError
from ledger.workspace import Workspace, default_root


class LedgerGroup(TyperGroup):
    """Turns library refusals into a one-line message and exit code 1, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            output.fail(hints.message(exc))
            raise typer.Exit(1) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            output.fail(f"{exc.filename}: {exc.strerror}")
            raise typer.Exit(1) from None
        except SQLAlchemyError as exc:
            output.fail(f"{workspace_root(ctx).resolve()}: the database failed: {_cause(exc)}")
            raise typer.Exit(1) from None


def _cause(exc: SQLAlchemyError) -> str:
    """The first line of what the database said (the driver's error), without SQL or traceback."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


app = typer.Typer(
    cls=LedgerGroup,
    name="twinledger",
    help="Royalty and usage ledger for AI digital twins of real people.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        metavar="DIR",
        help="Workspace directory (default: $TWINLEDGER_HOME or ./twinledger-data).",
    ),
) -> None:
    """Royalty and usage ledger for AI digital twins of real people.

    Example: twinledger --workspace ./books settle run 2026-03
    """
    ctx.obj = workspace


def open_workspace(ctx: typer.Context) -> Workspace:
    workspace = Workspace.open(workspace_root(ctx))
    workspace.check_schema()
    workspace.check_owner()
    return workspace


def workspace_root(ctx: typer.Context, default: Path | None = None) -> Path:
    """The --workspace given, else ``default``, else $TWINLEDGER_HOME or ./twinledger-data."""
    given: Path | None = ctx.find_root().obj
    if given is not None:
        return given
    if default is not None and "TWINLEDGER_HOME" not in os.environ:
        return default
    return default_root()


from ledger.cli import (  # noqa: E402
    accounting,
    payouts,
    portal,
    profiles,
    provenance,
    reconcile,
    reference,
    settle,
    statements,
    usage,
    webhooks,
)

for module in (
    reference,
    usage,
    profiles,
    provenance,
    settle,
    statements,
    reconcile,
    accounting,
    payouts,
    portal,
    webhooks,
):
    module.register(app)


def main() -> None:
    app()
