"""CSRF, cookies, security headers, rate limiting and spreadsheet-safe CSV."""

from __future__ import annotations

from typing import Any

from portal_support import CSRF_RE, PERIOD, Demo

from ledger.portal.security import RateLimit

HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_security_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in HEADERS.items():
        assert value in headers.get(name, ""), (name, headers.get(name))
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_every_response_carries_the_security_headers(demo: Demo) -> None:
    anonymous = demo.client()
    client = demo.signed_in("nordlys")
    responses = [
        anonymous.get("/"),
        anonymous.get("/sign-in"),
        anonymous.get("/static/portal.css"),
        anonymous.get("/nowhere"),
        anonymous.post("/sign-in", data={}),
        anonymous.delete("/statements"),
        client.get("/statements"),
        client.get(f"/periods/{PERIOD}/statement.pdf"),
        client.get(f"/periods/{PERIOD}/reconciliation.csv"),
        client.get(f"/periods/{PERIOD}/talents/anna-k/statement.pdf"),
    ]
    for response in responses:
        assert_security_headers(response)
    assert responses[2].headers["content-type"].startswith("text/css")
    assert responses[3].status_code == 404


def test_sign_in_without_the_csrf_token_is_refused(demo: Demo) -> None:
    token = demo.link_token("liv-s")
    client = demo.client()
    page = client.get("/sign-in", params={"token": token})
    csrf = CSRF_RE.search(page.text)
    assert csrf
    assert client.post("/sign-in", data={"token": token}).status_code == 403
    assert client.post("/sign-in", data={"token": token, "csrf": "guess"}).status_code == 403
    attacker = demo.client()  # a cross-site form: the victim's token, but no matching cookie
    assert (
        attacker.post("/sign-in", data={"token": token, "csrf": csrf.group(1)}).status_code == 403
    )
    assert "tl_session" not in client.cookies
    assert demo.sign_in(client, token) == 303  # the refused attempts did not spend the link


def test_sign_out_without_the_csrf_token_is_refused(demo: Demo) -> None:
    client = demo.signed_in("liv-s")
    assert client.post("/sign-out", data={}).status_code == 403
    assert client.post("/sign-out", data={"csrf": "guess"}).status_code == 403
    assert client.get("/statements").status_code == 200


def test_session_cookie_flags(demo: Demo) -> None:
    plain = demo.client()
    token = demo.link_token("liv-s")
    page = plain.get("/sign-in", params={"token": token})
    csrf = CSRF_RE.search(page.text)
    assert csrf
    cookie = plain.post("/sign-in", data={"csrf": csrf.group(1), "token": token})
    set_cookie = cookie.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    assert "secure" not in set_cookie.replace("tl_session", "")

    def flags(**kw: object) -> str:
        client = demo.client(**kw)
        token = demo.link_token("liv-s")
        page = client.get("/sign-in", params={"token": token})
        found = CSRF_RE.search(page.text)
        assert found
        headers = {"x-forwarded-proto": "https"}
        response = client.post(
            "/sign-in", data={"csrf": found.group(1), "token": token}, headers=headers
        )
        assert response.status_code == 303
        return ";".join(v.lower() for k, v in response.headers.multi_items() if k == "set-cookie")

    assert "; secure" not in flags()  # X-Forwarded-Proto is not trusted by default
    assert "; secure" in flags(behind_proxy=True)
    assert "; secure" in flags(base_url="https://testserver")


def test_sign_in_attempts_are_rate_limited_per_client(demo: Demo) -> None:
    client = demo.client(limit=RateLimit(attempts=3, window_s=60))
    for _ in range(3):
        assert client.post("/sign-in", data={"token": "guess"}).status_code == 403
    refused = client.post("/sign-in", data={"token": "guess"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert_security_headers(refused)


def test_rate_limit_window_and_clients() -> None:
    now = [0.0]
    limit = RateLimit(attempts=2, window_s=10, clock=lambda: now[0])
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    assert limit.allow("b")
    now[0] = 10.5
    assert limit.allow("a")


def test_forwarded_addresses_count_only_behind_a_proxy(demo: Demo) -> None:
    spoofed = demo.client(limit=RateLimit(attempts=1, window_s=60))
    assert spoofed.post("/sign-in", headers={"x-forwarded-for": "1.1.1.1"}).status_code == 403
    assert spoofed.post("/sign-in", headers={"x-forwarded-for": "2.2.2.2"}).status_code == 429
    proxied = demo.client(behind_proxy=True, limit=RateLimit(attempts=1, window_s=60))
    assert proxied.post("/sign-in", headers={"x-forwarded-for": "1.1.1.1"}).status_code == 403
    assert proxied.post("/sign-in", headers={"x-forwarded-for": "2.2.2.2"}).status_code == 403
    assert proxied.post("/sign-in", headers={"x-forwarded-for": "2.2.2.2"}).status_code == 429


def test_a_server_error_shows_a_plain_page_with_the_headers(demo: Demo, monkeypatch: Any) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    client = demo.signed_in("liv-s", raise_server_exceptions=False)
    monkeypatch.setattr("ledger.portal.library.overview", broken)
    response = client.get("/statements")
    assert response.status_code == 500
    assert "boom" not in response.text and "Traceback" not in response.text
    assert_security_headers(response)
