"""The API in process (test_api_http talks to a real server): a brand's e-invoice XML is the
one `statements render --einvoice ubl` writes; upload directories a killed server left behind
are removed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from ledger.portal import keys
from ledger.portal.app import create_app
from tests.conftest import Books
from tests.ledger.test_invoices import setup


def test_a_brand_gets_the_ubl_xml_of_its_invoice_and_no_one_else_does(books: Books) -> None:
    setup(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    client = TestClient(create_app(books.workspace))
    _, berlin = keys.issue(books.workspace, "berlin")
    _, zephyr = keys.issue(books.workspace, "zephyr")
    _, liv = keys.issue(books.workspace, "liv")

    def get(key: str, path: str) -> httpx.Response:
        return client.get("/api/v1" + path, headers={"authorization": f"Bearer {key}"})

    [document] = get(berlin, "/periods/2026-03/documents").json()["documents"]
    assert document["xml"] == "/api/v1/periods/2026-03/documents/EUR.xml"
    xml = get(berlin, "/periods/2026-03/documents/EUR.xml")
    assert xml.status_code == 200
    assert xml.headers["content-type"] == "application/xml"
    rendered = books.ok("statements", "render", "2026-03", "--party", "berlin", "--einvoice", "ubl")
    [written] = [Path(f) for f in rendered["files"] if f.endswith(".xml")]
    assert xml.content == written.read_bytes()
    assert f"<cbc:ID>{document['number']}</cbc:ID>".encode() in written.read_bytes()
    own = get(zephyr, "/periods/2026-03/documents/EUR.xml")  # zephyr's own invoice
    assert own.status_code == 200 and own.content != xml.content
    assert b"berlin" not in own.content.lower()
    assert get(liv, "/periods/2026-03/documents/EUR.xml").status_code == 404
    assert get(liv, "/periods/2026-03/documents/statement.xml").status_code == 404


def test_upload_directories_left_by_a_killed_server_are_removed_after_a_day(
    books: Books,
) -> None:
    tmp = books.root / "tmp"
    old, fresh = tmp / "api-old", tmp / "api-fresh"
    for directory in (old, fresh):
        directory.mkdir(parents=True)
        (directory / "upload.csv").write_text("event_id\n")
    day_and_a_bit = time.time() - 86_500
    os.utime(old, (day_and_a_bit, day_and_a_bit))
    create_app(books.workspace)  # as serve starts
    assert sorted(p.name for p in tmp.glob("api-*")) == ["api-fresh"]
