"""`journal export`: the journal for an accounting system (beancount or CSV)."""

from __future__ import annotations

from pathlib import Path

import typer

from ledger.accounting.entries import gather
from ledger.cli import open_workspace, output
from ledger.cli.reference import JSON
from ledger.errors import LedgerError
from ledger.outfiles import write_whole
from ledger.period import Period


def period_range(
    period: str | None, first: str | None, last: str | None
) -> tuple[str | None, str | None]:
    """The periods to export, as (first, last), either open-ended; ``--period`` is both."""
    if period is not None and (first is not None or last is not None):
        raise LedgerError("give --period, or --from and --to, not both")
    if period is not None:
        first = last = period
    for value in (first, last):
        if value is not None:
            Period.parse(value)
    if first is not None and last is not None and first > last:
        raise LedgerError(f"--from {first} is after --to {last}")
    return first, last


def register(app: typer.Typer) -> None:
    journal_app = typer.Typer(help="The double-entry journal.", no_args_is_help=True)
    app.add_typer(journal_app, name="journal")

    @journal_app.command("export")
    def export(
        ctx: typer.Context,
        out: Path = typer.Option(..., "--out", metavar="FILE", help="The file to write."),
        fmt: str = typer.Option(
            ..., "--format", metavar="FORMAT", help="beancount or csv (one row per posting)."
        ),
        period: str | None = typer.Option(None, "--period", help="Only this period's entries."),
        first: str | None = typer.Option(None, "--from", metavar="PERIOD", help="First period."),
        last: str | None = typer.Option(None, "--to", metavar="PERIOD", help="Last period."),
        accounts: Path | None = typer.Option(
            None,
            "--accounts",
            metavar="FILE",
            help="TOML mapping of journal accounts to a chart of accounts (docs/accounting.md).",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Export journal entries for an accounting system: beancount (one transaction per
        entry, its hash as metadata, the statement or invoice number as link) or CSV (one row
        per posting). The file is written whole or not at all.

        Example: twinledger journal export --from 2026-09 --to 2026-10 --format beancount
        --out books.beancount
        """
        from reports.journal_export import FORMATS

        if fmt not in FORMATS:
            raise typer.BadParameter(
                f"{fmt!r} is not a format; choose from {', '.join(FORMATS)}", param_hint="--format"
            )
        first, last = period_range(period, first, last)
        data = gather(open_workspace(ctx), first, last, accounts)
        text = FORMATS[fmt](data)
        write_whole({out: text.encode("utf-8")})
        postings = sum(len(e.entry.postings) for e in data.entries)
        doc = {
            "file": str(out),
            "format": fmt,
            "from": first,
            "to": last,
            "entries": len(data.entries),
            "postings": postings,
            "accounts": len(data.accounts),
        }
        if as_json:
            output.print_json(doc)
            return
        output.line(
            f"{len(data.entries)} journal entries ({postings} postings, "
            f"{len(data.accounts)} accounts) written to {out}"
        )
