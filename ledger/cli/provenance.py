"""`assets verify` (content credentials of brands' files) and `consents import`."""

from __future__ import annotations

from pathlib import Path

import typer

from ledger.cli import open_workspace, output
from ledger.provenance.assets import list_assets, verify_assets
from ledger.provenance.consents import import_consents, list_consents
from ledger.provenance.credentials import describe

JSON = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def register(app: typer.Typer) -> None:
    assets = typer.Typer(help="Content credentials (C2PA) of brands' assets.", no_args_is_help=True)
    app.add_typer(assets, name="assets")

    @assets.command("list")
    def assets_list(
        ctx: typer.Context,
        brand: str | None = typer.Option(None, "--brand", help="Only this brand's assets."),
        as_json: bool = JSON,
    ) -> None:
        """List the stored content credentials of brands' assets.

        Example: twinledger assets list --brand zephyr --json
        """
        found = list_assets(open_workspace(ctx), brand)
        if as_json:
            output.print_json({"assets": found})
            return
        for a in found:
            ai = "declares AI generation" if a["ai_generated"] else "no AI declaration"
            output.line(
                f"{a['brand']} {a['asset_id']} {a['sha256'][:16]}: {a['state']}"
                f"{' (verified)' if a['verified'] else ''}; {ai}"
            )

    consents = typer.Typer(help="Talents' consent records for their twins.", no_args_is_help=True)
    app.add_typer(consents, name="consents")

    @consents.command("import")
    def consents_import(ctx: typer.Context, file: Path, as_json: bool = JSON) -> None:
        """Import consent records from a TOML file (an upsert by id, all or nothing).

        Example: twinledger consents import consents.toml
        """
        outcome = import_consents(open_workspace(ctx), file)
        for warning in outcome["warnings"]:
            output.warn(warning)
        if as_json:
            output.print_json(outcome)
            return
        for label in ("imported", "updated", "unchanged"):
            if outcome[label]:
                output.line(f"{label}: {', '.join(outcome[label])}")

    @consents.command("list")
    def consents_list(ctx: typer.Context, as_json: bool = JSON) -> None:
        """List the consent records on file.

        Example: twinledger consents list --json
        """
        found = list_consents(open_workspace(ctx))
        if as_json:
            output.print_json({"consents": [c.as_dict() for c in found]})
            return
        for c in found:
            output.line(
                f"{c.id}: twin {c.twin}, {c.start} to {c.end}, signed {c.signed_on}, {c.purpose}"
            )

    @assets.command("verify")
    def assets_verify(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(..., metavar="PATH..."),
        brand: str = typer.Option(..., "--brand", help="The brand whose assets these are."),
        asset_id: str | None = typer.Option(
            None, "--asset-id", help="The asset id of the one file (default: its name)."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Read and store the content credentials of images or videos of a brand.

        Example: twinledger assets verify renders/*.jpg --brand zephyr
        """
        results = verify_assets(open_workspace(ctx), paths, brand, asset_id)
        counts = {k: sum(r.stored == k for r in results) for k in ("new", "unchanged", "updated")}
        if as_json:
            output.print_json({"brand": brand, **counts, "assets": [r.as_dict() for r in results]})
            return
        for r in results:
            output.line(f"{r.path}: {r.asset_id}: {describe(r.credential)} ({r.stored})")
        output.line(", ".join(f"{n} {k}" for k, n in counts.items()))
