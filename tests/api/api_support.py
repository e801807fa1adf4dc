"""Helpers of the API tests: books with five brands licensed for one twin, a key per party,
and requests as a client sends them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from server import Server
from shared import HEADER, contract, one_talent, parties, party, rate

BRANDS = ("b1", "b2", "b3", "b4", "b5")
CSV = "text/csv"
JSONL = "application/x-ndjson"
PARQUET = "application/vnd.apache.parquet"
SETTINGS = """
[api]
max_upload_mib = 1
requests_per_minute = 40

[webhooks]
retry_base_s = 0.2
retry_max_s = 0.5
poll_s = 0.1
"""


@dataclass
class Api:
    books: Any
    server: Server
    keys: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url + "/api/v1"


def setup(books: Any) -> dict[str, str]:
    """Five brands licensed for twin w1 (talent t1 of agency ag, who also has twin w2 that no
    brand licenses); an API key for each party."""
    brands = [party("brands", id=b, name=f"Brand {b}", currency="EUR") for b in BRANDS[1:]]
    unlicensed = party("twins", id="w2", talent="t1")  # no contract: its uses are exceptions
    text = one_talent() + parties(*brands, unlicensed)
    books.ok("parties", "import", books.write("parties.toml", text))
    for n, brand in enumerate(BRANDS, 1):
        text = contract(f"C{n}", brand, "w1", "EUR", rate("renders", price="10"))
        books.ok("contracts", "import", books.write(f"c{n}.toml", text))
    keys = {}
    for party_id in (*BRANDS, "t1", "ag"):
        doc = books.ok("access", "grant", "--party", party_id, "--api-key")
        assert doc["api_key"].startswith("tlk_") and doc["party"]["id"] == party_id
        keys[party_id] = doc["api_key"]
    settings = books.root / "workspace.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + SETTINGS, encoding="utf-8")
    return keys


def auth(key: str, **more: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", **more}


def rows(*ids: object, day: str = "2026-03-05", twin: str = "w1") -> list[str]:
    return [f"e{n},{day}T10:00:00Z,render,{twin},a{n},,,,1," for n in ids]


def csv_body(*ids: object, **kw: str) -> bytes:
    return (HEADER + "\n" + "".join(r + "\n" for r in rows(*ids, **kw))).encode()


def upload(
    api: Api, key: str, body: bytes, media: str = CSV, idem: str = "k1", **params: Any
) -> httpx.Response:
    headers = auth(key, **{"content-type": media, "idempotency-key": idem})
    return httpx.post(
        api.url + "/batches", content=body, headers=headers, params=params, timeout=60
    )


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    """The response is a JSON error with this status and code; returns its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    message: str = body["error"]["message"]
    return message
