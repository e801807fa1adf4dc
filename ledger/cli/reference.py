"""`init`, `parties import`, `contracts import|validate|list`, `fx import`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from ledger import imports
from ledger.backup import backup
from ledger.cli import open_workspace, output, workspace_root
from ledger.errors import ValidationFailed
from ledger.lake import migrate_layout
from ledger.seal import seal_closed
from ledger.workspace import Workspace

JSON = typer.Option(False, "--json", help="Print one JSON document on stdout.")
SHOWN = 20  # updated rates listed one a line; --json lists them all


def register(app: typer.Typer) -> None:
    parties = typer.Typer(help="Agencies, talents, brands and twins.", no_args_is_help=True)
    contracts = typer.Typer(help="Licences of a twin to a brand.", no_args_is_help=True)
    fx = typer.Typer(help="Foreign-exchange reference rates.", no_args_is_help=True)
    app.add_typer(parties, name="parties")
    app.add_typer(contracts, name="contracts")
    app.add_typer(fx, name="fx")

    @app.command()
    def init(
        ctx: typer.Context,
        database_url: str | None = typer.Option(
            None,
            "--database-url",
            metavar="URL",
            help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite file).",
        ),
        adopt: bool = typer.Option(
            False,
            "--adopt",
            help="Make this folder the owner of its database (moved, copied or restored).",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Create a workspace, or upgrade an existing one (its schema, and its events into the
        partitioned lake, events/month=YYYY-MM/).

        Example: twinledger --workspace ./books init
        """
        workspace = Workspace.init(workspace_root(ctx), database_url, adopt)
        seal_closed(workspace)  # books closed before seals existed
        moved = migrate_layout(workspace)  # events stored before the partitioned lake
        doc = {"workspace": str(workspace.root), "database_url": workspace.database_url}
        if as_json:
            output.print_json(doc)
        else:
            if moved:
                output.line(f"moved the events of {len(moved)} batches into events/month=*/")
            output.line(f"workspace ready at {workspace.root}")

    @app.command("backup")
    def backup_command(ctx: typer.Context, dest: Path, as_json: bool = JSON) -> None:
        """Copy a SQLite workspace, consistently, into a new folder while it is in use.

        Example: twinledger backup /backups/books-2026-11-30
        """
        done = backup(open_workspace(ctx), dest)
        if as_json:
            output.print_json(done)
        else:
            output.line(f"backed up to {done['backup']} ({done['files']} files)")

    @parties.command("import")
    def parties_import(ctx: typer.Context, file: Path, as_json: bool = JSON) -> None:
        """Import parties from a TOML file (an upsert by id).

        Example: twinledger parties import parties.toml
        """
        counts = imports.import_parties(open_workspace(ctx), file)
        if as_json:
            output.print_json(counts)
        else:
            output.line("imported " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))

    def _report(result: imports.ContractImport, as_json: bool, verb: str) -> None:
        for warning in result.warnings:
            output.warn(warning)
        if as_json:
            output.print_json(result.as_dict())
            return
        for label, ids in (
            ("imported", result.imported),
            ("amended", result.amended),
            ("unchanged", result.unchanged),
        ):
            if ids:
                output.line(f"{verb if label != 'unchanged' else ''}{label}: {', '.join(ids)}")

    @contracts.command("import")
    def contracts_import(
        ctx: typer.Context,
        path: Path = typer.Argument(..., metavar="FILE|DIR"),
        amend: bool = typer.Option(
            False, "--amend", help="Store changed content as a new revision."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Import contracts from a TOML file or a directory of them (all or nothing).

        Example: twinledger contracts import contracts/
        """
        _report(imports.import_contracts(open_workspace(ctx), path, amend), as_json, "")

    @contracts.command("validate")
    def contracts_validate(
        ctx: typer.Context,
        path: Path = typer.Argument(..., metavar="FILE|DIR"),
        amend: bool = typer.Option(False, "--amend", help="Check as an amendment."),
        as_json: bool = JSON,
    ) -> None:
        """Check contracts as `import` would, storing nothing; lists every problem found.

        Example: twinledger contracts validate contracts/ZEP-2026-001.toml
        """
        try:
            result = imports.validate_contracts(open_workspace(ctx), path, amend)
        except ValidationFailed as failed:
            if as_json:
                output.print_json(
                    {"valid": False, "problems": [asdict(p) for p in failed.problems]}
                )
            else:
                for problem in failed.problems:
                    output.line(str(problem))
            raise
        _report(result, as_json, "would be ")

    @contracts.command("list")
    def contracts_list(ctx: typer.Context, as_json: bool = JSON) -> None:
        """List the contracts in force (newest revision of each).

        Example: twinledger contracts list --json
        """
        rows = imports.list_contracts(open_workspace(ctx))
        if as_json:
            output.print_json(
                {
                    "contracts": [
                        {
                            "id": c.id,
                            "revision": c.revision,
                            "brand": c.brand,
                            "twin": c.twin,
                            "currency": c.currency,
                            "start": c.start.isoformat(),
                            "end": c.end.isoformat(),
                            "amendments": len(c.amendments),
                            "exclusive": c.terms.exclusive,
                        }
                        for c in rows
                    ]
                }
            )
            return
        output.table(
            None,
            ["contract", "rev", "brand", "twin", "currency", "start", "end"],
            [(c.id, c.revision, c.brand, c.twin, c.currency, c.start, c.end) for c in rows],
        )

    @fx.command("import")
    def fx_import(ctx: typer.Context, file: Path, as_json: bool = JSON) -> None:
        """Import ECB reference rates (units per 1 EUR): the history file eurofxref-hist.csv or
        the daily eurofxref.csv, or either zip as the ECB ships it. Re-importing is safe.

        Example: twinledger fx import eurofxref-hist.zip
        """
        result = imports.import_fx(open_workspace(ctx), file)
        if as_json:
            output.print_json(result.as_dict())
            return
        rates = f"{result.rates} rate{'' if result.rates == 1 else 's'}"
        output.line(
            f"imported {rates}: {result.new} new, {result.unchanged} unchanged, "
            f"{len(result.updated)} updated"
        )
        for change in (c.as_dict() for c in result.updated[:SHOWN]):
            output.line(
                f"updated {change['currency']} {change['date']}: {change['old']} -> "
                f"{change['new']} (no closed period used it)"
            )
        if len(result.updated) > SHOWN:
            output.line(f"... and {len(result.updated) - SHOWN} more updated (see --json)")
