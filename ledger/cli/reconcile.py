"""`reconcile`: an agency's cross-brand usage, exceptions and brand-report differences."""

from __future__ import annotations

from pathlib import Path

import typer

from ledger import reconcile as library
from ledger.cli import open_workspace, output
from ledger.cli.reference import JSON
from ledger.money import format_amount


def _print_tables(rec: library.Reconciliation) -> None:
    agency = rec.agency
    output.line(f"reconciliation {rec.period} ({rec.status}) for {agency['name']} ({agency['id']})")
    output.table(
        "Usage by talent, brand and metric",
        ["talent", "brand", "metric", "currency", "quantity", "amount"],
        [
            (
                c.talent_name,
                c.brand,
                c.metric,
                c.currency,
                c.quantity,
                format_amount(c.amount, c.currency),
            )
            for c in rec.matrix
        ],
        right=["quantity", "amount"],
    )
    output.table(
        "Exceptions by brand",
        ["brand", "kind", "count"],
        [(b.brand, kind, n) for b in rec.exceptions for kind, n in b.counts.items()],
        right=["count"],
    )
    keys = ("kind", "brand", "twin", "contract", "event_id", "occurred_at", "detail")
    output.table(None, list(keys), [[r[k] for k in keys] for b in rec.exceptions for r in b.rows])
    if any(c.consents or c.credentials for c in rec.contracts):
        output.table(
            "Consents and content credentials by contract",
            ["contract", "talent", "brand", "consent", "verified credentials"],
            [
                (c.contract, c.talent, c.brand, " ".join(c.consents), c.credentials or "")
                for c in rec.contracts
            ],
        )
    check = rec.brand_report
    if check is None:
        return
    rows = [library.difference_dict(d) for d in check.differences]
    output.table(
        f"{check.file}: {check.matched} line(s) agree, {len(rows)} differ (quantity / amount)",
        ["status", "brand", "contract", "metric", "ledger", "reported", "difference"],
        [
            (
                r["status"],
                r["brand"],
                r["contract"],
                r["metric"],
                _pair(r["ledger_quantity"], r["ledger_amount"], r["currency"]),
                _pair(r["reported_quantity"], r["reported_amount"], r["reported_currency"]),
                _pair(r["quantity_difference"], r["amount_difference"], None),
            )
            for r in rows
        ],
        right=["ledger", "reported", "difference"],
    )


def _pair(quantity: str | None, amount: str | None, currency: str | None) -> str:
    if quantity is None:
        return ""
    return f"{quantity} / {amount or '-'}" + (f" {currency}" if currency else "")


def _export_option(text: str) -> tuple[str, Path]:
    """``FORMAT=FILE`` of `--export`, the format one of the export registry's."""
    from reports import exports

    name, equals, path = text.partition("=")
    if not equals or not path:
        raise typer.BadParameter(f"{text!r} is not FORMAT=FILE", param_hint="--export")
    try:
        exports.export_format(name)
    except exports.UnknownFormat as exc:
        raise typer.BadParameter(str(exc), param_hint="--export") from None
    return name, Path(path)


def register(app: typer.Typer) -> None:
    @app.command("reconcile")
    def reconcile(
        ctx: typer.Context,
        period: str,
        agency: str = typer.Option(..., "--agency", metavar="ID", help="The agency reconciling."),
        brand_report: Path | None = typer.Option(
            None,
            "--brand-report",
            metavar="FILE",
            help="A brand's own usage report (CSV, see docs/reconciliation.md) to compare.",
        ),
        csv_file: Path | None = typer.Option(
            None, "--csv", metavar="FILE", help="Also write everything to one CSV file."
        ),
        xlsx_file: Path | None = typer.Option(
            None, "--xlsx", metavar="FILE", help="Also write a workbook, one sheet per part."
        ),
        export: list[str] = typer.Option(
            [],
            "--export",
            metavar="FORMAT=FILE",
            help="Also write FILE in an export format (csv, xlsx); may be given more than once.",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Reconcile a settled month for an agency: usage of its talents by every brand (quantity
        and amount per metric), exceptions by brand, and a brand's report against the ledger.

        Example: twinledger reconcile 2026-03 --agency nordlys --brand-report zephyr-2026-03.csv
        """
        from reports import exports

        flags = [("csv", csv_file), ("xlsx", xlsx_file)]
        wanted = [(name, path) for name, path in flags if path is not None]
        wanted += [_export_option(text) for text in export]
        rec = library.reconcile(open_workspace(ctx), period, agency, brand_report)
        written = [exports.write_reconciliation(path, rec, name) for name, path in wanted]
        if as_json:
            output.print_json(rec.as_dict())
            return
        if written:
            for path in written:
                output.line(f"written: {path}")
            return
        _print_tables(rec)
