"""`serve` (the statement portal) and `access grant|list|revoke|log`."""

from __future__ import annotations

from typing import Any

import typer

from ledger.cli import open_workspace, output
from ledger.cli.reference import JSON
from ledger.errors import LedgerError
from ledger.portal import access, keys
from ledger.workspace import Workspace

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _portal_settings(workspace: Workspace) -> dict[str, Any]:
    settings = workspace.settings.get("portal", {})
    return settings if isinstance(settings, dict) else {}


def register(app: typer.Typer) -> None:
    acc = typer.Typer(help="Sign-in links to the statement portal.", no_args_is_help=True)
    app.add_typer(acc, name="access")

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", help="Port to listen on."),
        behind_proxy: bool = typer.Option(
            False,
            "--behind-proxy",
            help="Trust X-Forwarded-For/-Proto from a TLS reverse proxy (also [portal] "
            "behind_proxy = true in workspace.toml).",
        ),
    ) -> None:
        """Serve the statement portal, where parties download their own statements, and the
        HTTP API at /api/v1; deliver webhook messages meanwhile.

        Example: twinledger --workspace ./books serve --host 127.0.0.1 --port 8000
        """
        import logging

        import uvicorn

        from ledger.portal.app import create_app
        from ledger.portal.security import RedactTokens
        from ledger.webhooks.delivery import Worker

        workspace = open_workspace(ctx)
        trust_proxy = behind_proxy or bool(_portal_settings(workspace).get("behind_proxy"))
        logging.getLogger("uvicorn.access").addFilter(RedactTokens())
        app = create_app(workspace, behind_proxy=trust_proxy)
        worker = Worker(workspace)
        output.line(f"statement portal and API for {workspace.root} on http://{host}:{port}")
        worker.start()
        try:
            uvicorn.run(
                app,
                host=host,
                port=port,
                proxy_headers=False,
                server_header=False,
                log_level="info",
            )
        finally:
            worker.stop()

    @acc.command("grant")
    def grant(
        ctx: typer.Context,
        party: str = typer.Option(..., "--party", help="Talent, agency or brand id."),
        party_type: str | None = typer.Option(
            None, "--type", help="talent, agency or brand (when an id is used by two kinds)."
        ),
        ttl_hours: int = typer.Option(
            access.GRANT_TTL_HOURS, "--ttl-hours", help="Hours until the link expires."
        ),
        base_url: str | None = typer.Option(
            None,
            "--base-url",
            help="Public address of the portal (default: [portal] base_url in workspace.toml, "
            f"else {DEFAULT_BASE_URL}).",
        ),
        api_key: bool = typer.Option(
            False,
            "--api-key",
            help="Issue a key for the HTTP API (/api/v1) instead of a sign-in link.",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Issue a one-time sign-in link, or with --api-key a key for the HTTP API, for a party
        (shown once; only its hash is stored).

        Example: twinledger access grant --party liv-s --ttl-hours 72
        """
        workspace = open_workspace(ctx)
        if api_key:
            key_doc, key = keys.issue(workspace, party, party_type)
            if as_json:
                output.print_json(key_doc | {"api_key": key})
                return
            output.line(key)
            output.errors.print(
                f"API key {key_doc['key']} for {key_doc['party']['type']} {party}: "
                "shown once; send it as 'Authorization: Bearer KEY'",
                markup=False,
            )
            return
        doc, token = access.grant(workspace, party, ttl_hours, party_type)
        base = base_url or str(_portal_settings(workspace).get("base_url") or DEFAULT_BASE_URL)
        doc["link"] = f"{base.rstrip('/')}/sign-in?token={token}"
        if as_json:
            output.print_json(doc)
            return
        output.line(doc["link"])
        output.errors.print(
            f"grant {doc['grant']} for {doc['party']['type']} {party}: works once, "
            f"expires {doc['expires_at']}",
            markup=False,
        )

    @acc.command("list")
    def list_(
        ctx: typer.Context,
        party: str | None = typer.Option(None, "--party", help="Only this party's grants."),
        as_json: bool = JSON,
    ) -> None:
        """List sign-in grants and API keys and their status (active, used, expired, revoked).

        Example: twinledger access list --party liv-s
        """
        workspace = open_workspace(ctx)
        grants = access.list_grants(workspace, party)
        api_keys = keys.list_keys(workspace, party)
        if as_json:
            output.print_json({"grants": grants, "api_keys": api_keys})
            return
        grants = grants + [
            k | {"grant": k["key"], "expires_at": "(API key)", "used_at": k["revoked_at"]}
            for k in api_keys
        ]
        output.table(
            None,
            ["grant", "party", "status", "created_at", "expires_at", "used_at"],
            [
                (
                    g["grant"],
                    f"{g['party']['type']} {g['party']['id']}",
                    g["status"],
                    g["created_at"],
                    g["expires_at"],
                    g["used_at"],
                )
                for g in grants
            ],
        )

    @acc.command("revoke")
    def revoke(
        ctx: typer.Context,
        grant_id: str | None = typer.Argument(
            None, metavar="[GRANT]", help="A grant id or an API key id."
        ),
        party: str | None = typer.Option(None, "--party", help="Revoke all of this party's."),
        as_json: bool = JSON,
    ) -> None:
        """Revoke a grant or API key, or every grant and key of a party, and sign out the
        sessions they opened.

        Example: twinledger access revoke --party liv-s
        """
        if (grant_id is None) == (party is None):
            raise LedgerError("give either a grant id or --party ID")
        target = grant_id or party or ""
        workspace = open_workspace(ctx)
        revoked_keys = keys.revoke(workspace, target)
        try:
            revoked = access.revoke(workspace, target)
        except LedgerError:
            if not (revoked_keys or keys.known(workspace, target)):
                raise
            revoked = []
        revoked += revoked_keys
        if as_json:
            output.print_json({"revoked": revoked})
        else:
            output.line(
                f"revoked {len(revoked)} grant(s)" + (": " + ", ".join(revoked) if revoked else "")
            )

    @acc.command("log")
    def log(
        ctx: typer.Context,
        party: str | None = typer.Option(None, "--party", help="Only this party's entries."),
        limit: int = typer.Option(1000, "--limit", help="Most entries to show, newest first."),
        as_json: bool = JSON,
    ) -> None:
        """Show portal sign-ins and downloads: who, what, when.

        Example: twinledger access log --party nordlys
        """
        entries = access.access_log(open_workspace(ctx), party, limit)
        if as_json:
            output.print_json({"entries": entries})
            return
        output.table(
            None,
            ["at", "action", "party", "document", "client", "grant"],
            [
                (
                    e["at"],
                    e["action"],
                    f"{e['party']['type']} {e['party']['id']}",
                    e["document"] or "",
                    e["client"],
                    e["grant"],
                )
                for e in entries
            ],
        )
