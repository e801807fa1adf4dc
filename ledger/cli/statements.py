"""`statements render|data|verify`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ledger import statements as library
from ledger.cli import open_workspace, output
from ledger.cli.progress import progress_bar
from ledger.cli.reference import JSON
from ledger.errors import LedgerError
from ledger.storage.periods import CLOSED
from reports import issue


class PartyType(StrEnum):
    talent = "talent"
    agency = "agency"
    brand = "brand"


class EInvoice(StrEnum):
    ubl = "ubl"


def register(app: typer.Typer) -> None:
    st = typer.Typer(help="Talent and agency statements, brand invoices.", no_args_is_help=True)
    app.add_typer(st, name="statements")

    @st.command("render")
    def render(
        ctx: typer.Context,
        period: str,
        party: str | None = typer.Option(None, "--party", help="Only this party's statement."),
        out: Path | None = typer.Option(None, "--out", help="Directory for the PDFs."),
        party_type: PartyType | None = typer.Option(
            None, "--type", help="Only talent statements, agency statements or brand invoices."
        ),
        einvoice: EInvoice | None = typer.Option(
            None,
            "--einvoice",
            help="Also write each closed invoice's and credit note's e-invoice beside its PDF "
            "(ubl: UBL 2.1 / Peppol BIS Billing 3.0 XML).",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Render PDF statements of a draft or closed month.

        Without --out, a closed month's PDFs go to the workspace's statements/PERIOD/ and a draft
        month's (marked DRAFT) to drafts/PERIOD/. Closed invoices carry Factur-X inside.

        Example: twinledger statements render 2026-03 --party zephyr --einvoice ubl
        """
        kind = party_type.value if party_type else None
        workspace = open_workspace(ctx)
        status = library.period_status(workspace, period)
        with progress_bar("rendering statements") as advance:
            files = issue.render(
                workspace,
                period,
                party,
                out,
                advance,
                party_type=kind,
                einvoice=einvoice.value if einvoice else None,
            )
        folder = out or library.folder(workspace, period, status)
        if as_json:
            output.print_json(
                {
                    "period": period,
                    "status": status,
                    "folder": str(folder),
                    "files": [str(f) for f in files],
                }
            )
            return
        if status != CLOSED:
            output.line(
                f"{period} is a draft: {len(files)} PDF(s) marked DRAFT written to {folder} "
                "(the statements folder holds closed months only)"
            )
        for f in files:
            output.line(str(f))

    @st.command("data")
    def data(
        ctx: typer.Context,
        period: str,
        party: str = typer.Option(..., "--party", help="Talent, agency or brand id."),
        as_json: bool = JSON,
    ) -> None:
        """Print the data of one party's statement (the figures its PDF shows).

        Example: twinledger statements data 2026-03 --party liv-s --json
        """
        doc = library.documents(open_workspace(ctx), period, party)[0]
        if as_json:
            output.print_json(doc)
            return
        output.line(f"{doc['statement_id']} ({doc['status']}) for {doc['party']['name']}")
        output.table(
            None,
            [
                "contract",
                "brand",
                "currency",
                "earned",
                "brand_due",
                "commission",
                "withholding",
                "talent_net",
            ],
            [
                (
                    c["contract"],
                    c["brand"],
                    c["currency"],
                    c["earned"],
                    c["brand_due"],
                    c["commission"],
                    c["withholding"],
                    c["talent_net"],
                )
                for c in doc["contracts"]
            ],
            right=["earned", "brand_due", "commission", "withholding", "talent_net"],
        )
        for key, value in doc["summary"].items():
            if isinstance(value, str):
                output.line(f"{key}: {value} {doc['currency']}")

    @st.command("verify")
    def verify(ctx: typer.Context, file: Path, as_json: bool = JSON) -> None:
        """Check a statement PDF's verification code against the ledger.

        Example: twinledger statements verify ST-2026-03-T-liv-s.pdf
        """
        result = issue.verify_pdf(open_workspace(ctx), file)
        if as_json:
            output.print_json(result)
        elif result["matches"]:
            output.line(f"{file}: genuine {result['status']} statement {result['statement_id']}")
        if not result["matches"]:
            raise LedgerError(f"{file}: does not match the ledger: {result['reason']}")
