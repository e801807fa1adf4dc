"""`ingest`, `batches list`, `demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ledger.cli import open_workspace, output, workspace_root
from ledger.cli.progress import progress_bar
from ledger.cli.reference import JSON
from ledger.ingest.batch import ingest_file
from ledger.ingest.void import void_batch
from ledger.storage.db import reading
from ledger.storage.repo import all_batches, batch_doc
from ledger.workspace import Workspace


def register(app: typer.Typer) -> None:
    batches = typer.Typer(help="Ingested files.", no_args_is_help=True)
    app.add_typer(batches, name="batches")

    @app.command()
    def ingest(
        ctx: typer.Context,
        file: Path,
        brand: str = typer.Option(..., "--brand", help="The brand whose log this is."),
        profile: str | None = typer.Option(
            None, "--profile", help="Profile name (in the workspace's profiles/) or path."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Reject the whole file if any row is rejected."
        ),
        restate: bool = typer.Option(
            False,
            "--restate",
            help="Rows stored before with different content replace the stored version.",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Ingest one usage log (CSV, JSON Lines, Parquet or XLSX) as one atomic batch.

        Example: twinledger ingest zephyr-2026-03.csv --brand zephyr --profile zephyr
        """
        workspace = open_workspace(ctx)
        with progress_bar(f"ingest {file.name}") as advance:
            result = ingest_file(
                workspace, file, brand, profile, strict, progress=advance, restate=restate
            )
        if as_json:
            output.print_json(result.as_dict())
        elif result.status == "already_ingested":
            output.line(f"{file}: already ingested as batch {result.batch_id}; nothing changed")
        else:
            output.line(
                f"batch {result.batch_id} {result.status}: {result.rows_read} rows read, "
                f"{result.accepted} accepted, {result.duplicates} duplicates, "
                f"{result.restated} restated, {result.rejected} rejected, "
                f"{result.skipped} skipped"
                + (f" (see {result.quarantine})" if result.quarantine else "")
            )
            if result.conflicts:
                output.line(
                    f"{result.conflicts} row(s) differ from their stored version and were not "
                    f"stored (see {result.conflicts_file})"
                )
        if result.status == "rejected":
            output.fail(f"{file}: {result.rejected} row(s) rejected under --strict; nothing stored")
            raise typer.Exit(1)

    @batches.command("list")
    def batches_list(ctx: typer.Context, as_json: bool = JSON) -> None:
        """List every ingested batch with its counts and lineage.

        Example: twinledger batches list --json
        """
        with reading(open_workspace(ctx).engine) as session:
            rows = all_batches(session)
        docs = [batch_doc(b) for b in rows]
        if as_json:
            output.print_json({"batches": docs})
            return
        output.table(
            None,
            [
                "batch",
                "brand",
                "file",
                "status",
                "read",
                "accepted",
                "dupes",
                "rejected",
                "periods",
            ],
            [
                (
                    d["batch_id"],
                    d["brand"],
                    d["source_file"],
                    d["status"],
                    d["rows_read"],
                    d["accepted"],
                    d["duplicates"],
                    d["rejected"],
                    " ".join(d["periods"]),
                )
                for d in docs
            ],
            right=["read", "accepted", "dupes", "rejected"],
        )

    @batches.command("void")
    def batches_void(
        ctx: typer.Context,
        batch_id: str = typer.Argument(..., metavar="BATCH_ID"),
        reason: str = typer.Option(..., "--reason", help="Why the batch is withdrawn."),
        by: str = typer.Option(
            "finance", "--by", help="Who withdraws it (kept in the audit trail)."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Withdraw a committed batch: its events stop counting from the next settlement.

        Closed months it covered keep their figures; the next open month carries the reversal as
        prior-period adjustments. The file can then be ingested again (e.g. under the right brand).

        Example: twinledger batches void 3f2a9c1e --reason "sent under the wrong brand" --by anna
        """
        voided = void_batch(open_workspace(ctx), batch_id, reason, by)
        if as_json:
            output.print_json(voided.as_dict())
            return
        months = ", ".join(voided.periods) or "no month"
        output.line(
            f"batch {voided.batch_id} of {voided.brand} is void ({months}); "
            f"the reversal settles in {voided.settled_in}"
        )

    @app.command()
    def demo(
        ctx: typer.Context,
        out: Path | None = typer.Option(None, "--out", help="Where to write the PDFs."),
        as_json: bool = JSON,
    ) -> None:
        """Run a whole monthly settlement on the bundled sample data in a fresh workspace
        (./twinledger-demo unless --workspace or $TWINLEDGER_HOME says otherwise).

        Example: twinledger demo
        """
        from ledger.demo import run_demo
        from reports import issue

        def render(workspace: Workspace, period: str) -> list[Path]:
            return issue.render(workspace, period, out=out / period if out else None)

        result = run_demo(workspace_root(ctx, Path("twinledger-demo")), render)
        if as_json:
            output.print_json(result)
        else:
            print_summary(result)


def print_summary(result: dict[str, Any]) -> None:
    output.line(f"twinledger demo: workspace {result['workspace']}")
    output.table(
        "Ingested logs",
        ["brand", "file", "status", "read", "accepted", "dupes", "rejected"],
        [
            (
                i["brand"],
                i["file"],
                i["status"],
                i["rows_read"],
                i["accepted"],
                i["duplicates"],
                i["rejected"],
            )
            for i in result["ingested"]
        ],
        right=["read", "accepted", "dupes", "rejected"],
    )
    s = result["settlement"]
    output.line(
        f"Settled and closed {s['period']}: {s['contracts']} contracts, "
        f"{s['events_rated']} events rated"
    )
    if s["exceptions"]:
        output.words("Exceptions: " + ", ".join(f"{k} {v}" for k, v in s["exceptions"].items()))
    output.table(
        "Totals by contract currency",
        ["currency", "brand_due", "commission", "withholding", "talent_net"],
        [
            (c, t["brand_due"], t["commission"], t["withholding"], t["talent_net"])
            for c, t in s["totals"].items()
        ],
        right=["brand_due", "commission", "withholding", "talent_net"],
    )
    output.table(
        "Talent payouts",
        ["talent", "currency", "opening", "this period", "carried forward", "payable"],
        [
            (
                t["talent"],
                t["currency"],
                t["opening_balance"],
                t["net_this_period"],
                t["carried_forward"],
                t["payable"],
            )
            for t in result["talents"]
        ],
        right=["opening", "this period", "carried forward", "payable"],
    )
    output.line(f"{len(result['pdfs'])} PDF statements and invoices written:")
    for pdf in result["pdfs"]:
        output.line(f"  {_from_here(pdf)}")


def _from_here(path: str) -> str:
    """``path`` as one would type it here: relative to the current directory when inside it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path
