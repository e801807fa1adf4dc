"""`webhooks add|list|deliveries|redeliver|deliver` and `twins revoke`."""

from __future__ import annotations

from datetime import date

import typer

from ledger.cli import open_workspace, output
from ledger.cli.reference import JSON
from ledger.consent import revoke_twin
from ledger.errors import LedgerError
from ledger.webhooks import outbox
from ledger.webhooks.delivery import deliver_pending


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LedgerError(f"--on: expected a date YYYY-MM-DD, got {text[:40]!r}") from None


def register(app: typer.Typer) -> None:
    hooks = typer.Typer(help="Signed webhook messages to parties' endpoints.", no_args_is_help=True)
    twins = typer.Typer(help="Digital twins and the consent behind them.", no_args_is_help=True)
    app.add_typer(hooks, name="webhooks")
    app.add_typer(twins, name="twins")

    @hooks.command("add")
    def add(
        ctx: typer.Context,
        party: str = typer.Option(..., "--party", help="Talent, agency or brand id."),
        url: str = typer.Option(..., "--url", help="The endpoint's address (http or https)."),
        events: list[str] = typer.Option(
            [],
            "--events",
            help="An event type to send (repeatable or comma-separated; default every one): "
            "batch.committed, exceptions.found, period.closed, document.issued, "
            "payout.created, twin.revoked.",
        ),
        party_type: str | None = typer.Option(
            None, "--type", help="talent, agency or brand (when an id is used by two kinds)."
        ),
        as_json: bool = JSON,
    ) -> None:
        """Register a party's webhook endpoint; prints its signing secret once.

        Example: twinledger webhooks add --party zephyr --url https://hooks.zephyr.example/tl
        """
        split = [e.strip() for given in events for e in given.split(",") if e.strip()]
        doc, secret = outbox.add_endpoint(open_workspace(ctx), party, url, split, party_type)
        if as_json:
            output.print_json(doc | {"secret": secret})
            return
        output.line(secret)
        output.errors.print(
            f"endpoint {doc['endpoint']} for {doc['party']['type']} {party}: the signing "
            "secret above is shown once",
            markup=False,
        )

    @hooks.command("list")
    def list_(
        ctx: typer.Context,
        party: str | None = typer.Option(None, "--party", help="Only this party's endpoints."),
        as_json: bool = JSON,
    ) -> None:
        """List webhook endpoints (their secrets are never shown again).

        Example: twinledger webhooks list --json
        """
        endpoints = outbox.list_endpoints(open_workspace(ctx), party)
        if as_json:
            output.print_json({"endpoints": endpoints})
            return
        output.table(
            None,
            ["endpoint", "party", "url", "events", "created_at"],
            [
                (
                    e["endpoint"],
                    f"{e['party']['type']} {e['party']['id']}",
                    e["url"],
                    " ".join(e["events"]),
                    e["created_at"],
                )
                for e in endpoints
            ],
        )

    @hooks.command("deliveries")
    def deliveries(
        ctx: typer.Context,
        failed: bool = typer.Option(
            False, "--failed", help="Only messages whose last attempt failed."
        ),
        endpoint: str | None = typer.Option(None, "--endpoint", help="Only this endpoint's."),
        limit: int = typer.Option(1000, "--limit", help="Most messages to show, newest first."),
        as_json: bool = JSON,
    ) -> None:
        """Show webhook messages and their delivery: state, attempts, last error.

        Example: twinledger webhooks deliveries --failed
        """
        found = outbox.deliveries(open_workspace(ctx), failed, endpoint, limit)
        if as_json:
            output.print_json({"deliveries": found})
            return
        output.table(
            None,
            ["id", "type", "endpoint", "state", "attempts", "created_at", "detail"],
            [
                (
                    d["id"],
                    d["type"],
                    d["endpoint"],
                    d["state"],
                    d["attempts"],
                    d["created_at"],
                    d["last_error"] or "",
                )
                for d in found
            ],
            right=["attempts"],
        )

    @hooks.command("redeliver")
    def redeliver(
        ctx: typer.Context,
        message: str = typer.Argument(..., metavar="ID", help="A message number or msg_ id."),
        as_json: bool = JSON,
    ) -> None:
        """Queue a webhook message to be sent again (with fresh retries for 24 hours).

        Example: twinledger webhooks redeliver 42
        """
        doc = outbox.redeliver(open_workspace(ctx), message)
        if as_json:
            output.print_json(doc)
        else:
            output.line(f"message {doc['id']} ({doc['msg_id']}) queued for delivery")

    @hooks.command("deliver")
    def deliver(ctx: typer.Context, as_json: bool = JSON) -> None:
        """Send the webhook messages that are due, once (`serve` does this continuously).

        Example: twinledger webhooks deliver
        """
        counts = deliver_pending(open_workspace(ctx))
        if as_json:
            output.print_json(counts)
        else:
            output.line(f"{counts['delivered']} delivered, {counts['failed']} failed attempts")

    @twins.command("revoke")
    def revoke(
        ctx: typer.Context,
        twin: str = typer.Argument(..., metavar="TWIN"),
        on: str = typer.Option(
            ..., "--on", help="The day the withdrawal takes effect (YYYY-MM-DD)."
        ),
        reason: str = typer.Option(..., "--reason", help="Why consent was withdrawn."),
        as_json: bool = JSON,
    ) -> None:
        """Record that a talent withdrew consent to a twin: its uses from that day on are
        UNLICENSED, and every brand licensed for it and the talent's agency are told.

        Example: twinledger twins revoke liv-s-v1 --on 2026-04-01 --reason "consent withdrawn"
        """
        doc = revoke_twin(open_workspace(ctx), twin, _day(on), reason)
        if as_json:
            output.print_json(doc)
            return
        told = doc["brands"] + ([f"agency {doc['agency']}"] if doc["agency"] else [])
        output.line(
            f"twin {twin} revoked from {doc['revoked_on']}"
            + (f"; told {', '.join(told)}" if told else "")
        )
