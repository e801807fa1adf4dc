"""`payouts create|cancel|confirm|list` and `payer set`: paying a closed period."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from ledger.cli import open_workspace, output
from ledger.cli.reference import JSON
from ledger.errors import LedgerError
from ledger.payouts import service


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LedgerError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _print_run(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        output.print_json(doc)
        return
    output.line(f"payout run {doc['run']} ({doc['period']}): {doc['state']}")
    sepa, manual = doc["sepa"], doc["manual"]
    if sepa["file"]:
        output.line(
            f"SEPA file {sepa['file']}: {sepa['transactions']} transfer(s), "
            f"{sepa['control_sum']} EUR"
        )
    if manual["file"]:
        output.line(f"manual payments {manual['file']}: {manual['payments']} payment(s)")
    output.table(
        None,
        ["statement", "currency", "amount", "method", "reason"],
        [
            (t["statement"], t["currency"], t["amount"], t["method"], t["reason"] or "")
            for t in doc["transfers"]
        ],
        right=["amount"],
    )


def register(app: typer.Typer) -> None:
    payouts_app = typer.Typer(help="Pay a closed period: payout runs.", no_args_is_help=True)
    app.add_typer(payouts_app, name="payouts")
    payer_app = typer.Typer(help="The account that pays.", no_args_is_help=True)
    app.add_typer(payer_app, name="payer")

    @payer_app.command("set")
    def payer_set(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="The paying account holder's name."),
        iban: str = typer.Option(..., "--iban", help="IBAN of the paying account."),
        bic: str | None = typer.Option(None, "--bic", help="BIC of the paying bank."),
        as_json: bool = JSON,
    ) -> None:
        """Set the account that pays talents and agencies ([payer] in workspace.toml).

        Example: twinledger payer set "Twin Clearing GmbH" --iban DE89370400440532013000
        """
        payer = open_workspace(ctx).set_payer(name, iban, bic)
        doc = {"name": payer.name, "iban": payer.iban, "bic": payer.bic, "account": payer.account}
        if as_json:
            output.print_json(doc)
            return
        output.line(f"payer: {payer.name}, {payer.iban}" + (f", {payer.bic}" if payer.bic else ""))

    @payouts_app.command("create")
    def create(
        ctx: typer.Context,
        period: str = typer.Argument(..., help="A closed period, YYYY-MM."),
        out: Path | None = typer.Option(
            None, "--out", metavar="DIR", help="Folder of the files (default payouts/PERIOD/)."
        ),
        execution_date: str | None = typer.Option(
            None, "--execution-date", metavar="DATE", help="When the bank pays (default today)."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Create the payout run of a closed period: a SEPA credit-transfer file (pain.001) of
        the EUR payees with an IBAN and a CSV of the payments to make by hand, with reasons.

        Example: twinledger payouts create 2026-10 --execution-date 2026-11-05
        """
        workspace = open_workspace(ctx)
        day = _day(execution_date, "--execution-date")
        _print_run(service.create(workspace, period, out, day), as_json)

    @payouts_app.command("cancel")
    def cancel(
        ctx: typer.Context,
        run: str = typer.Argument(..., help="The run id, e.g. PR-2026-10-1."),
        as_json: bool = JSON,
    ) -> None:
        """Cancel a payout run that is not confirmed (the journal takes its amounts back).

        Example: twinledger payouts cancel PR-2026-10-1
        """
        _print_run(service.cancel(open_workspace(ctx), run), as_json)

    @payouts_app.command("confirm")
    def confirm(
        ctx: typer.Context,
        run: str = typer.Argument(..., help="The run id, e.g. PR-2026-10-1."),
        paid_on: str | None = typer.Option(
            None, "--paid-on", metavar="DATE", help="The day the bank paid (default today)."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Confirm that the bank paid a run: the journal moves it from in transit to the bank.

        Example: twinledger payouts confirm PR-2026-10-1 --paid-on 2026-11-05
        """
        day = _day(paid_on, "--paid-on")
        _print_run(service.confirm(open_workspace(ctx), run, day), as_json)

    @payouts_app.command("list")
    def list_runs(ctx: typer.Context, as_json: bool = JSON) -> None:
        """List the payout runs and their state.

        Example: twinledger payouts list
        """
        runs = service.list_runs(open_workspace(ctx))
        if as_json:
            output.print_json({"runs": runs})
            return
        output.table(
            f"{len(runs)} payout run(s)",
            ["run", "period", "state", "execution_date", "paid_on", "totals"],
            [
                (
                    r["run"],
                    r["period"],
                    r["state"],
                    r["execution_date"],
                    r["paid_on"] or "",
                    ", ".join(f"{v} {k}" for k, v in r["totals"].items()),
                )
                for r in runs
            ],
        )
