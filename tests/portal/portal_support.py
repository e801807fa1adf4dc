"""Helpers of the portal tests: the sample month, and a test client signed in as a party the way
a browser signs in (open the link, press Continue)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from ledger import imports
from ledger.ingest.batch import ingest_file
from ledger.portal import access
from ledger.portal.app import create_app
from ledger.portal.security import RateLimit
from ledger.settlement import service
from ledger.workspace import Workspace
from reports import issue

PERIOD = "2026-10"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Demo:
    books: Any

    @property
    def workspace(self) -> Workspace:
        return self.books.workspace

    def pdf(self, name: str) -> bytes:
        return self.workspace.path("statements", PERIOD, name).read_bytes()

    def client(
        self, *, behind_proxy: bool = False, limit: RateLimit | None = None, **kw: object
    ) -> TestClient:
        app = create_app(self.workspace, behind_proxy=behind_proxy, sign_in_limit=limit)
        return TestClient(app, follow_redirects=False, **kw)  # type: ignore[arg-type]

    def link_token(self, party: str, ttl_hours: int = 72) -> str:
        _, token = access.grant(self.workspace, party, ttl_hours)
        return token

    def sign_in(self, client: TestClient, token: str) -> int:
        """Open the link, press Continue; returns the status of the POST."""
        page = client.get("/sign-in", params={"token": token})
        if page.status_code != 200:  # a spent, expired or revoked link says so at once
            assert page.status_code == 403 and "tl_session" not in client.cookies
            return page.status_code
        csrf = CSRF_RE.search(page.text)
        assert csrf
        response = client.post("/sign-in", data={"csrf": csrf.group(1), "token": token})
        return response.status_code

    def signed_in(self, party: str, **kw: object) -> TestClient:
        client = self.client(**kw)
        assert self.sign_in(client, self.link_token(party)) == 303
        return client


def load_sample_month(workspace: Workspace) -> None:
    import sample_data
    from sample_data.generate import generate

    imports.import_parties(workspace, sample_data.PARTIES)
    imports.import_contracts(workspace, sample_data.CONTRACTS)
    imports.import_fx(workspace, sample_data.FX)
    for brand, file in generate(workspace.path("inbox"), PERIOD):
        ingest_file(workspace, file, brand)
    service.run(workspace, PERIOD)
    service.close(workspace, PERIOD)
    issue.render(workspace, PERIOD)
