"""Sign-in links: one use, expiry, revocation; sessions end; finance sees every download."""

from __future__ import annotations

from datetime import timedelta

from portal_support import CSRF_RE, PERIOD, Demo
from sqlalchemy import text
from sqlmodel import select

from ledger.portal import access
from ledger.storage.access_tables import AccessGrantRow
from ledger.storage.db import writing


def test_a_link_signs_in_once(demo: Demo) -> None:
    token = demo.link_token("liv-s")
    first, second = demo.client(), demo.client()
    assert demo.sign_in(first, token) == 303
    assert first.get("/statements").status_code == 200
    assert demo.sign_in(second, token) == 403
    assert "tl_session" not in second.cookies
    assert second.get("/statements").headers["location"] == "/sign-in"
    assert second.get(f"/periods/{PERIOD}/statement.pdf").status_code == 404


def test_an_expired_link_cannot_sign_in(demo: Demo) -> None:
    token = demo.link_token("liv-s", ttl_hours=1)
    with writing(demo.workspace.engine) as session:
        for row in session.exec(select(AccessGrantRow)).all():
            row.expires_at = access.utcnow() - timedelta(seconds=1)
            session.add(row)
    client = demo.client()
    response_status = demo.sign_in(client, token)
    assert response_status == 403
    assert "tl_session" not in client.cookies
    assert demo.books.ok("access", "list")["grants"][0]["status"] == "expired"


def test_a_revoked_link_cannot_sign_in_and_revoking_ends_sessions(demo: Demo) -> None:
    signed = demo.signed_in("zoe-l")
    token = demo.link_token("zoe-l")
    other = demo.link_token("liv-s")
    revoked = demo.books.ok("access", "revoke", "--party", "zoe-l")["revoked"]
    assert len(revoked) == 2
    assert demo.sign_in(demo.client(), token) == 403
    assert signed.get("/statements").headers["location"] == "/sign-in"
    assert signed.get(f"/periods/{PERIOD}/statement.pdf").status_code == 404
    assert demo.sign_in(demo.client(), other) == 303
    grant_id = demo.books.ok("access", "grant", "--party", "anna-k")["grant"]
    assert demo.books.ok("access", "revoke", grant_id)["revoked"] == [grant_id]
    assert "no access grant or party" in demo.books.refused("access", "revoke", "nobody")
    assert demo.books.refused("access", "revoke")


def test_a_spent_expired_or_revoked_link_says_so_in_the_partys_language(demo: Demo) -> None:
    used = demo.link_token("liv-s")  # liv-s reads Swedish
    assert demo.sign_in(demo.client(), used) == 303
    page = demo.client().get("/sign-in", params={"token": used})
    assert page.status_code == 403
    assert (
        "Den här inloggningslänken har redan använts. Be clearinghuset om en ny länk." in page.text
    )
    assert "sign-in link is ready" not in page.text
    revoked = demo.link_token("zoe-l")  # zoe-l reads English
    demo.books.ok("access", "revoke", "--party", "zoe-l")
    page = demo.client().get("/sign-in", params={"token": revoked})
    assert "This sign-in link was withdrawn by the clearing house." in page.text
    unknown = demo.client().get("/sign-in", params={"token": "not-a-real-token"})
    assert "This sign-in link is not valid. Ask the clearing house" in unknown.text


def test_sessions_expire(demo: Demo, monkeypatch: object) -> None:
    client = demo.signed_in("liv-s")
    assert client.get("/statements").status_code == 200
    later = access.utcnow() + access.SESSION_TTL + timedelta(seconds=1)
    monkeypatch.setattr(access, "utcnow", lambda: later)  # type: ignore[attr-defined]
    assert client.get("/statements").headers["location"] == "/sign-in"
    assert client.get(f"/periods/{PERIOD}/statement.pdf").status_code == 404


def test_sign_out_ends_the_session(demo: Demo) -> None:
    client = demo.signed_in("liv-s")
    csrf = CSRF_RE.search(client.get("/statements").text)
    assert csrf
    cookie = client.cookies["tl_session"]
    response = client.post("/sign-out", data={"csrf": csrf.group(1)})
    assert response.status_code == 303
    client.cookies.set("tl_session", cookie)
    assert client.get("/statements").headers["location"] == "/sign-in"


def test_only_hashes_are_stored(demo: Demo) -> None:
    grant = demo.books.ok("access", "grant", "--party", "liv-s", "--base-url", "https://p.example")
    assert grant["link"].startswith("https://p.example/sign-in?token=")
    token = grant["link"].split("token=", 1)[1]
    assert len(token) >= 43
    client = demo.client()
    assert demo.sign_in(client, token) == 303
    cookie = client.cookies["tl_session"]
    with demo.workspace.engine.connect() as conn:
        for table in ("portal_grants", "portal_sessions", "portal_access_log"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                dump = " ".join(map(str, row))
                assert token not in dump and cookie not in dump, table


def test_the_access_log_records_every_download(demo: Demo) -> None:
    client = demo.signed_in("nordlys")
    client.get(f"/periods/{PERIOD}/statement.pdf")
    client.get(f"/periods/{PERIOD}/talents/zoe-l/statement.pdf")
    client.get(f"/periods/{PERIOD}/reconciliation.csv")
    client.get(f"/periods/{PERIOD}/talents/anna-k/statement.pdf")  # not theirs: 404, not logged
    entries = demo.books.ok("access", "log")["entries"]
    downloads = [e for e in entries if e["action"] == "download"]
    assert [(e["document"], e["subject"]) for e in reversed(downloads)] == [
        ("ST-2026-10-A-nordlys.pdf", "nordlys"),
        ("ST-2026-10-T-zoe-l.pdf", "zoe-l"),
        ("reconciliation-2026-10-nordlys.csv", "nordlys"),
    ]
    assert all(e["party"] == {"type": "agency", "id": "nordlys"} for e in entries)
    assert all(e["at"].endswith("Z") and e["client"] for e in entries)
    assert [e["action"] for e in entries][-1] == "sign_in"
    table = demo.books.cli("access", "log", "--party", "nordlys")
    assert table.exit_code == 0 and "download" in table.stdout
    assert demo.books.ok("access", "log", "--party", "liv-s")["entries"] == []


def test_access_grant_prints_a_link_and_refuses_unknown_parties(demo: Demo) -> None:
    result = demo.books.cli("access", "grant", "--party", "liv-s", "--ttl-hours", "2")
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("http://127.0.0.1:8000/sign-in?token=")
    assert "nobody" in demo.books.refused("access", "grant", "--party", "nobody")
    assert demo.books.refused("access", "grant", "--party", "liv-s", "--ttl-hours", "0")
    assert demo.books.refused("access", "grant", "--party", "liv-s", "--type", "brand")
    statuses = {g["status"] for g in demo.books.ok("access", "list", "--party", "liv-s")["grants"]}
    assert statuses == {"active"}


def test_the_statements_page_speaks_one_locale_dates_included(demo: Demo) -> None:
    """Liv reads Swedish: the month, the issue date and the amounts are all Swedish."""
    page = demo.signed_in("liv-s").get("/statements").text
    issued = demo.books.ok("statements", "data", PERIOD, "--party", "liv-s")["issued_on"]
    year, month, day = (int(part) for part in issued[:10].split("-"))
    swedish_months = ["jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.",
                      "okt.", "nov.", "dec."]  # fmt: skip
    assert f"issued {day} {swedish_months[month - 1]} {year}" in page
    assert "SEK\u00a0" in page
    english = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert f"{english[month - 1]} {day}, {year}" not in page
