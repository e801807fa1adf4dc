"""`profiles check`: how a brand's log maps through a profile, before anything is stored."""

from __future__ import annotations

from pathlib import Path

import typer

from ledger.cli import output, workspace_root
from ledger.cli.reference import JSON
from ledger.ingest.parse import preview
from ledger.ingest.profile import load_profile
from ledger.ingest.schema import CANONICAL_COLUMNS


def register(app: typer.Typer) -> None:
    profiles = typer.Typer(help="Profiles that map brands' logs to canonical events.")
    app.add_typer(profiles, name="profiles", no_args_is_help=True)

    @profiles.command("check")
    def check(
        ctx: typer.Context,
        file: Path,
        profile: str | None = typer.Option(
            None, "--profile", help="Profile name (in the workspace's profiles/) or path."
        ),
        rows: int = typer.Option(5, "--rows", min=1, help="How many rows to show."),
        as_json: bool = JSON,
    ) -> None:
        """Show how the first rows of a log map to canonical columns, and why a row would be
        rejected. Nothing is stored; the twin check is skipped.

        Example: twinledger profiles check export.csv --profile zephyr-de --rows 3
        """
        chosen = None
        if profile:
            chosen = load_profile(profile, workspace_root(ctx) / "profiles")
        mapped = preview(file, chosen, rows)
        if as_json:
            output.print_json(
                {"file": str(file), "profile": chosen.source if chosen else None, "rows": mapped}
            )
            return
        columns = ["column", *(f"line {row['line_no']}" for row in mapped)]
        table = [(name, *(row[name] for row in mapped)) for name in CANONICAL_COLUMNS]
        table.append(("result", *(row["reason"] or "accepted" for row in mapped)))
        output.table(f"{file} through {chosen.source if chosen else 'no profile'}", columns, table)
        for row in mapped:
            if row["reason"]:
                output.line(f"line {row['line_no']}: {row['reason']}: {row['message']}")
