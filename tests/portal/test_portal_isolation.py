"""A party reaches its own documents and nothing else, by any URL."""

from __future__ import annotations

import csv
import io
import re

import pytest
from portal_support import PERIOD, Demo

LINK_RE = re.compile(r'href="(/periods/[^"]+)"')
TALENTS = ("liv-s", "zoe-l", "sofia-p", "anna-k")
PARTIES = (*TALENTS, "nordlys", "athena", "zephyr", "smith", "hanami")

TRAVERSALS = [
    "/periods/..%2f..%2fworkspace.toml/statement.pdf",
    "/periods/..%2F..%2Fledger.db/statement.pdf",
    "/periods/2026-10/../../workspace.toml",
    "/periods/2026-10%2f..%2f..%2fworkspace.toml/statement.pdf",
    "/periods/2026-10/talents/..%2fST-2026-10-T-zoe-l/statement.pdf",
    "/periods/2026-10/talents/..%2f..%2fstatements%2f2026-10%2fST-2026-10-T-zoe-l.pdf/statement.pdf",
    "/periods/2026-10/talents/%2e%2e%2f%2e%2e%2fworkspace.toml/statement.pdf",
    "/periods/2026-10/invoices/..%2fST-2026-10-T-zoe-l.pdf",
    "/periods/2026-10/invoices/..%2f..%2f..%2fworkspace.toml%00.pdf",
    "/periods/%2e%2e/statement.pdf",
    "/periods/....//statement.pdf",
    "/static/..%2f..%2fworkspace.toml",
    "/static/..%2fapp.py",
    "/statements/2026-10/ST-2026-10-T-zoe-l.pdf",
    "/statements/../statements/2026-10/ST-2026-10-T-zoe-l.pdf",
    "/ST-2026-10-T-zoe-l.pdf",
    "/workspace.toml",
    "/ledger.db",
]


def links(demo: Demo, party: str) -> list[str]:
    page = demo.signed_in(party).get("/statements")
    assert page.status_code == 200
    return LINK_RE.findall(page.text)


def test_a_talent_downloads_exactly_her_own_statement(demo: Demo) -> None:
    client = demo.signed_in("liv-s")
    page = client.get("/statements")
    assert "Liv Sandström" in page.text
    assert LINK_RE.findall(page.text) == [f"/periods/{PERIOD}/statement.pdf"]
    for other in ("Zoë", "Σοφία", "Анна", "ST-2026-10-T-zoe-l"):
        assert other not in page.text
    response = client.get(f"/periods/{PERIOD}/statement.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "ST-2026-10-T-liv-s.pdf" in response.headers["content-disposition"]
    assert response.content == demo.pdf("ST-2026-10-T-liv-s.pdf")


def test_a_talent_gets_404_for_everything_that_is_not_hers(demo: Demo) -> None:
    demo.books.ok("settle", "run", "2026-11")  # a draft month: never shown
    client = demo.signed_in("liv-s")
    others = {p.name: p.read_bytes() for p in demo.workspace.path("statements", PERIOD).glob("*")}
    del others["ST-2026-10-T-liv-s.pdf"]
    guessed = [
        *(f"/periods/{PERIOD}/talents/{t}/statement.pdf" for t in TALENTS),
        *(f"/periods/{PERIOD}/invoices/{c}.pdf" for c in ("EUR", "GBP", "JPY", "SEK")),
        f"/periods/{PERIOD}/reconciliation.csv",
        *(f"/periods/{p}/statement.pdf" for p in ("2026-11", "2026-09", "2025-10", "2026-13")),
        "/periods/2026-10/statement.pdf/../../2026-09/statement.pdf",
        "/periods/ST-2026-10-T-zoe-l/statement.pdf",
        "/periods/2026-10/ST-2026-10-T-zoe-l.pdf",
        "/periods/2026-10/statements/zoe-l.pdf",
        *TRAVERSALS,
    ]
    for url in guessed:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.content not in others.values(), url
    for party in PARTIES:
        if party == "liv-s":
            continue
        for url in links(demo, party):
            response = client.get(url)
            if url == f"/periods/{PERIOD}/statement.pdf":
                assert response.content == demo.pdf("ST-2026-10-T-liv-s.pdf"), url
            else:
                assert response.status_code == 404, (party, url)
    for name in ("zoe-l", "ST-2026-10-T-zoe-l", "ST-2026-10-T-zoe-l.pdf", "../zoe-l"):
        for key in ("party", "party_id", "id", "statement", "file", "path"):
            response = client.get(f"/periods/{PERIOD}/statement.pdf", params={key: name})
            assert response.content == demo.pdf("ST-2026-10-T-liv-s.pdf")


@pytest.mark.parametrize(
    ("agency", "mine", "not_mine"),
    [
        ("nordlys", {"liv-s", "zoe-l"}, {"sofia-p", "anna-k"}),
        ("athena", {"sofia-p"}, {"liv-s", "zoe-l", "anna-k"}),
    ],
)
def test_an_agency_sees_only_its_own_talents(
    demo: Demo, agency: str, mine: set[str], not_mine: set[str]
) -> None:
    client = demo.signed_in(agency)
    found = LINK_RE.findall(client.get("/statements").text)
    talent_links = {u.split("/")[4] for u in found if "/talents/" in u}
    assert talent_links == mine
    assert f"/periods/{PERIOD}/statement.pdf" in found
    assert f"/periods/{PERIOD}/reconciliation.csv" in found
    own = client.get(f"/periods/{PERIOD}/statement.pdf")
    assert own.content == demo.pdf(f"ST-2026-10-A-{agency}.pdf")
    for talent in mine:
        response = client.get(f"/periods/{PERIOD}/talents/{talent}/statement.pdf")
        assert response.content == demo.pdf(f"ST-2026-10-T-{talent}.pdf")
    for talent in not_mine | {agency, "nordlys", "athena", "zephyr"} - {agency}:
        assert client.get(f"/periods/{PERIOD}/talents/{talent}/statement.pdf").status_code == 404
    for currency in ("EUR", "GBP", "JPY"):
        assert client.get(f"/periods/{PERIOD}/invoices/{currency}.pdf").status_code == 404
    csv_text = client.get(f"/periods/{PERIOD}/reconciliation.csv").content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows and rows[0]["section"] == "usage"
    assert {r["talent"] for r in rows if r["section"] == "usage"} == mine
    xlsx = client.get(f"/periods/{PERIOD}/reconciliation.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_brand_sees_its_invoices_only(demo: Demo) -> None:
    client = demo.signed_in("smith")
    page = client.get("/statements")
    assert "Smith &amp; Sons &lt;Ltd&gt;" in page.text
    assert LINK_RE.findall(page.text) == [f"/periods/{PERIOD}/invoices/GBP.pdf"]
    invoice = client.get(f"/periods/{PERIOD}/invoices/GBP.pdf")
    assert invoice.content == demo.pdf("ST-2026-10-B-smith-GBP.pdf")
    for url in (
        f"/periods/{PERIOD}/invoices/EUR.pdf",
        f"/periods/{PERIOD}/invoices/gbp.pdf",
        f"/periods/{PERIOD}/statement.pdf",
        f"/periods/{PERIOD}/reconciliation.csv",
        f"/periods/{PERIOD}/talents/liv-s/statement.pdf",
    ):
        assert client.get(url).status_code == 404, url


def test_without_a_session_nothing_is_served(demo: Demo) -> None:
    client = demo.client()
    assert client.get("/statements").headers["location"] == "/sign-in"
    for party in ("liv-s", "nordlys", "zephyr"):
        for url in links(demo, party):
            assert client.get(url).status_code == 404, url
    client.cookies.set("tl_session", "forged-session-value")
    assert client.get(f"/periods/{PERIOD}/statement.pdf").status_code == 404


def test_a_missing_pdf_is_rendered_into_the_statements_dir_on_demand(demo: Demo) -> None:
    original = demo.pdf("ST-2026-10-T-zoe-l.pdf")
    target = demo.workspace.path("statements", PERIOD, "ST-2026-10-T-zoe-l.pdf")
    target.unlink()
    response = demo.signed_in("zoe-l").get(f"/periods/{PERIOD}/statement.pdf")
    assert response.status_code == 200
    assert response.content == target.read_bytes() == original
    assert not list(demo.workspace.path("tmp").glob("portal-render-*"))
    # two issuers invoice hanami in JPY: each document's PDF names its issuer
    name = "ST-2026-10-B-hanami-athena-JPY.pdf"
    brand_invoice = demo.workspace.path("statements", PERIOD, name)
    brand_invoice.unlink()
    response = demo.signed_in("hanami").get(f"/periods/{PERIOD}/invoices/athena-JPY.pdf")
    assert response.content == brand_invoice.read_bytes()


def test_every_export_format_in_the_registry_is_served_and_no_other(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports import exports
    from tests.exports_support import TSV, TSV_MEDIA_TYPE

    monkeypatch.setitem(exports.EXPORT_FORMATS, "tsv", TSV)
    client = demo.signed_in("nordlys")
    found = LINK_RE.findall(client.get("/statements").text)
    assert f"/periods/{PERIOD}/reconciliation.tsv" in found
    tsv = client.get(f"/periods/{PERIOD}/reconciliation.tsv")
    assert tsv.status_code == 200
    assert tsv.headers["content-type"] == TSV_MEDIA_TYPE
    rows = [line.split("\t") for line in tsv.content.decode("utf-8").splitlines()]
    assert rows[0][0] == "section" and {r[0] for r in rows[1:]} >= {"usage"}
    for unknown in ("pdf", "json", "CSV", "csv.xlsx"):
        assert client.get(f"/periods/{PERIOD}/reconciliation.{unknown}").status_code == 404
