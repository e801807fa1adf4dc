"""`settle run|close|status`, `exceptions`, `balances`, `audit verify`, `explain`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ledger import audit
from ledger import statements as library
from ledger.cli import open_workspace, output
from ledger.cli.reference import JSON
from ledger.domain import EXCEPTION_KINDS
from ledger.errors import LedgerError
from ledger.journal import trial_balance
from ledger.money import format_amount
from ledger.rating.explain import explain_line, parse_line_id
from ledger.settlement import service
from ledger.storage.codec import contract_from_json
from ledger.storage.db import reading
from ledger.storage.periods import CLOSED
from ledger.storage.repo import all_batches, committed_batches, load_contracts, load_parties
from ledger.storage.tables import ContractRow, PeriodRow


def _print_settlement(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        output.print_json(doc)
        return
    output.line(f"period {doc['period']}: {doc['status']}")
    if "contracts" in doc:
        output.line(f"{doc['contracts']} contracts, {doc['events_rated']} events rated")
    if doc.get("exceptions"):
        output.line("exceptions: " + ", ".join(f"{k} {v}" for k, v in doc["exceptions"].items()))
    if doc.get("totals"):
        output.table(
            None,
            ["currency", "brand_due", "commission", "withholding", "talent_net"],
            [
                (ccy, t["brand_due"], t["commission"], t["withholding"], t["talent_net"])
                for ccy, t in doc["totals"].items()
            ],
            right=["brand_due", "commission", "withholding", "talent_net"],
        )


FULL = typer.Option(
    False,
    "--full",
    help="Measure every event file instead of reusing the quantities the latest close stored "
    "(the result is the same).",
)

ENGINE = typer.Option(
    None,
    "--engine",
    help="The SQL engine that measures the events: duckdb (in this process) or spark (at the "
    "workspace's spark_master, local[*] by default); the result is the same. Default: the "
    "workspace's engine setting, else duckdb.",
)


def register(app: typer.Typer) -> None:
    settle = typer.Typer(
        help="Monthly settlement: run (draft), close (final), status.", no_args_is_help=True
    )
    audit_app = typer.Typer(help="Integrity checks of the books.", no_args_is_help=True)
    app.add_typer(settle, name="settle")
    app.add_typer(audit_app, name="audit")

    @settle.command("run")
    def settle_run(
        ctx: typer.Context,
        period: str,
        as_json: bool = JSON,
        full: bool = FULL,
        engine: str | None = ENGINE,
    ) -> None:
        """Settle a month as a draft (re-runnable until it is closed).

        Example: twinledger settle run 2026-03 --engine spark
        """
        _print_settlement(service.run(open_workspace(ctx), period, full, engine), as_json)

    @settle.command("close")
    def settle_close(
        ctx: typer.Context,
        period: str,
        as_json: bool = JSON,
        full: bool = FULL,
        engine: str | None = ENGINE,
    ) -> None:
        """Close a reviewed draft month: final figures, journal posted, never changed again.

        Example: twinledger settle close 2026-03
        """
        _print_settlement(service.close(open_workspace(ctx), period, full, engine), as_json)

    @settle.command("status")
    def settle_status(ctx: typer.Context, period: str, as_json: bool = JSON) -> None:
        """Show whether a month is open, draft or closed, with its totals.

        Example: twinledger settle status 2026-03 --json
        """
        _print_settlement(service.status(open_workspace(ctx), period), as_json)

    @settle.command("reopen")
    def settle_reopen(ctx: typer.Context, period: str, as_json: bool = JSON) -> None:
        """Discard a month's draft (it becomes open again); a closed month is final and refuses.

        Example: twinledger settle reopen 2026-03
        """
        _print_settlement(service.reopen(open_workspace(ctx), period), as_json)

    @app.command()
    def adjust(
        ctx: typer.Context,
        period: str,
        party: str = typer.Option(..., "--party", help="Talent, agency or brand id."),
        amount: str = typer.Option(
            ..., "--amount", help="Positive: owed more to a talent/agency, or due from a brand."
        ),
        currency: str = typer.Option(..., "--currency", help="ISO 4217 code."),
        reason: str = typer.Option(..., "--reason", help="Why (printed on the statement)."),
        by: str = typer.Option(..., "--by", help="Who makes the adjustment."),
        against: str = typer.Option(
            "adjustments:manual", "--against", help="The account on the other side."
        ),
        idempotency_key: str | None = typer.Option(
            None,
            "--idempotency-key",
            metavar="KEY",
            help="Post at most once under KEY: a repeat answers the first result "
            "(default: a key derived from the arguments).",
        ),
        again: bool = typer.Option(
            False, "--again", help="Post an identical adjustment a second time on purpose."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Post a reasoned, balanced manual adjustment into an open month, once.

        Example: twinledger adjust 2026-03 --party liv-s --amount 250.00 --currency SEK
        --reason "Reshoot fee agreed 12 March" --by anna
        """
        from ledger.settlement.adjust import AlreadyAdjusted
        from ledger.settlement.adjust import adjust as post_adjustment

        try:
            done = post_adjustment(
                open_workspace(ctx),
                period,
                party,
                amount,
                currency,
                reason,
                by,
                against,
                idempotency_key=idempotency_key,
                again=again,
            )
        except AlreadyAdjusted as exc:
            raise LedgerError(f"{exc} (--again posts it once more)") from None
        made = done.adjustment
        doc = {
            "period": period,
            "party": made.party,
            "account": made.account,
            **made.as_dict(),
            "reference": done.reference,
            "idempotency_key": done.idempotency_key,
            "replayed": done.replayed,
        }
        if as_json:
            output.print_json(doc)
        elif done.replayed:
            output.line(
                f"already posted as {done.reference} under idempotency key "
                f"{done.idempotency_key}: {doc['amount']} {doc['currency']} to {made.account} "
                f"in {period}: {made.reason} (by {made.by}); nothing posted now"
            )
        else:
            output.line(
                f"posted {doc['amount']} {doc['currency']} to {made.account} in {period}: "
                f"{made.reason} (by {made.by}); re-run `settle run {period}` to include it"
            )

    @app.command()
    def exceptions(
        ctx: typer.Context,
        period: str,
        kind: str | None = typer.Option(None, "--kind", help="Only this kind, e.g. OUT_OF_SCOPE."),
        brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
        talent: str | None = typer.Option(None, "--talent", help="Only this talent's twins."),
        csv_file: Path | None = typer.Option(
            None, "--csv", metavar="FILE", help="Write the exceptions to a CSV file."
        ),
        as_json: bool = JSON,
    ) -> None:
        """List the uses that break a contract or could not be priced in a settled month.

        Example: twinledger exceptions 2026-03 --kind UNLICENSED --csv exceptions.csv
        """
        if kind is not None and kind not in EXCEPTION_KINDS:
            raise LedgerError(
                f"unknown exception kind {kind!r}; one of {', '.join(EXCEPTION_KINDS)}"
            )
        rows = [
            r
            for r in library.exceptions(open_workspace(ctx), period)
            if (kind is None or r["kind"] == kind)
            and (brand is None or r["brand"] == brand)
            and (talent is None or r["talent"] == talent)
        ]
        keys = ("kind", "brand", "twin", "contract", "event_id", "occurred_at", "detail")
        docs = [{k: r[k] for k in keys} for r in rows]
        if csv_file is not None:
            from reports import exports

            table = exports.Table("Exceptions", keys, [[d[k] for k in keys] for d in docs])
            exports.write_csv(csv_file, table)
        if as_json:
            output.print_json({"period": period, "exceptions": docs})
            return
        if csv_file is not None:
            output.line(f"{len(docs)} exception(s) written to {csv_file}")
            return
        output.table(
            f"{len(docs)} exception(s) in {period}",
            list(keys),
            [[d[k] for k in keys] for d in docs],
        )

    @app.command()
    def balances(ctx: typer.Context, as_json: bool = JSON) -> None:
        """Print the trial balance of the journal (every account, per currency).

        Example: twinledger balances
        """
        with reading(open_workspace(ctx).engine) as session:
            rows = trial_balance(session)
        docs = [
            {
                "account": r.account,
                "currency": r.currency,
                "debit": format_amount(r.debit, r.currency),
                "credit": format_amount(r.credit, r.currency),
                "balance": format_amount(r.balance, r.currency),
            }
            for r in rows
        ]
        if as_json:
            output.print_json({"accounts": docs})
            return
        output.table(
            "Trial balance (balance: debit positive, credit negative)",
            ["account", "currency", "debit", "credit", "balance"],
            [list(d.values()) for d in docs],
            right=["debit", "credit", "balance"],
        )

    @audit_app.command("verify")
    def audit_verify(
        ctx: typer.Context,
        deep: bool = typer.Option(
            False,
            "--deep",
            help="Also re-hash and re-count every event file and re-settle every closed month "
            "from its events.",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Check the journal's hash chain, every balance invariant, the issued statements and the
        seals of closed months; lists every problem found, one per line.

        Example: twinledger audit verify --deep
        """
        result = audit.verify(open_workspace(ctx), deep=deep)
        problems = result["problems"]
        assert isinstance(problems, list)
        if as_json:
            output.print_json(result)
        elif result["ok"]:
            checked = "event files, closed months re-settled, " if deep else ""
            output.line(
                f"ledger verified: {result['entries']} journal entries, {checked}"
                "all invariants and seals hold"
            )
        else:
            for problem in problems:
                output.line(str(problem))
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise LedgerError(f"{problems[0]}{more}")

    @app.command()
    def explain(
        ctx: typer.Context,
        line_id: str = typer.Argument(..., metavar="LINE-ID"),
        as_json: bool = JSON,
    ) -> None:
        """Show the events, contract version and rate rule behind a statement line.

        Example: twinledger explain 2026-03:ZEP-2026-001:v0:r1
        """
        workspace = open_workspace(ctx)
        key = parse_line_id(line_id)
        with reading(workspace.engine) as session:
            period_row = session.get(PeriodRow, key.period)
            batches = {b.id: b for b in committed_batches(session)}
            parties = load_parties(session)
            contract = next((c for c in load_contracts(session) if c.id == key.contract), None)
            if period_row is not None and period_row.status == CLOSED:
                covered = json.loads(period_row.batches)  # withdrawn since, or not
                batches = {b.id: b for b in all_batches(session) if b.id in covered}
                revision = json.loads(period_row.contracts).get(key.contract)
                row = session.get(ContractRow, (key.contract, revision)) if revision else None
                contract = contract_from_json(row.body) if row else None
        if contract is None:
            raise LedgerError(f"no contract {key.contract!r} behind line {line_id}")
        files = [workspace.path(b.events_path) for b in batches.values() if b.events_path]
        doc = explain_line(key, contract, parties, files)
        if as_json:
            output.print_json(doc)
            return
        output.line(
            f"line {doc['line_id']}: {doc['quantity']} {doc['rule']['metric']} = "
            f"{doc['amount']} {doc['currency']} (contract {doc['contract']} rev "
            f"{doc['revision']}, version {doc['version']['no']}, rate {doc['rule']['no']})"
        )
        output.table(
            f"{len(doc['events'])} event(s)",
            [
                "brand",
                "event",
                "occurred_at",
                "channel",
                "territory",
                "media",
                "quantity",
                "batch",
                "line",
                "superseded by",
            ],
            [[*list(e.values())[:-1], e["superseded_by"] or ""] for e in doc["events"]],
            right=["quantity", "line"],
        )
