"""The HTTP API against a real `twinledger serve` (uvicorn in a subprocess): uploads in every
format, idempotency keys, JSON errors, limits, and parties that never see each other's data."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import polars as pl
from api_support import CSV, JSONL, PARQUET, Api, assert_error, auth, csv_body, upload

ROOT = Path(__file__).resolve().parents[2]


def test_uploads_in_every_format_with_a_profile_and_idempotency_keys(api: Api) -> None:
    key = api.keys["b1"]
    (api.books.root / "profiles").mkdir(exist_ok=True)
    (api.books.root / "profiles" / "semi.toml").write_text(
        'delimiter = ";"\n[columns]\nid = "event_id"\n'
    )
    semi = b"id;occurred_at;kind;twin_id;asset_id\ns1;2026-03-05T10:00:00Z;render;w1;a1\n"
    semi += b"s2;2026-03-05T11:00:00Z;render;nobody;a2\n"
    first = upload(api, key, semi, idem="up-1", profile="semi", filename="march.csv")
    assert first.status_code == 201, first.text
    doc = first.json()
    assert doc == {
        "batch_id": doc["batch_id"],
        "status": "committed",
        "rows_read": 2,
        "accepted": 1,
        "duplicates": 0,
        "rejected": 1,
        "quarantine": f"quarantine/{doc['batch_id']}.csv",
        "restated": 0,
        "skipped": 0,
        "conflicts": 0,
        "conflicts_file": None,
    }
    assert "idempotent-replayed" not in first.headers
    again = upload(api, key, semi, idem="up-1", profile="semi", filename="march.csv")
    assert (again.status_code, again.json()) == (201, doc)
    assert again.headers["idempotent-replayed"] == "true"
    other = upload(api, key, semi + b"s3;2026-03-05;render;w1;a3\n", idem="up-1")
    assert assert_error(other, 409, "IDEMPOTENCY_KEY_REUSED") == (
        "this Idempotency-Key was used for another request"
    )
    # the same body under a new key is the same file: already ingested, nothing changes
    same = upload(api, key, semi, idem="up-2", profile="semi", filename="march.csv")
    assert same.status_code == 200 and same.json()["status"] == "already_ingested"
    assert same.json()["batch_id"] == doc["batch_id"]

    jsonl = "".join(
        json.dumps({"event_id": f"j{n}", "occurred_at": "2026-03-06T10:00:00Z", "kind": "render",
                    "twin_id": "w1", "asset_id": f"a{n}"}) + "\n"
        for n in range(3)
    ).encode()  # fmt: skip
    posted = upload(api, key, jsonl, media=JSONL, idem="up-3")
    assert (posted.status_code, posted.json()["accepted"]) == (201, 3)
    frame = pl.DataFrame(
        {
            "event_id": ["p1", "p2"],
            "occurred_at": ["2026-03-07T10:00:00Z"] * 2,
            "kind": ["render"] * 2,
            "twin_id": ["w1"] * 2,
            "asset_id": ["a1", "a2"],
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    posted = upload(api, key, buffer.getvalue(), media=PARQUET, idem="up-4")
    assert (posted.status_code, posted.json()["accepted"]) == (201, 2)

    listed = httpx.get(api.url + "/batches", headers=auth(key)).json()["batches"]
    assert [(b["source_file"], b["accepted"]) for b in listed] == [
        ("march.csv", 1),
        ("upload.jsonl", 3),
        ("upload.parquet", 2),
    ]
    cli = [b for b in api.books.ok("batches", "list")["batches"] if b["brand"] == "b1"]
    assert listed == cli
    one = httpx.get(api.url + f"/batches/{doc['batch_id']}", headers=auth(key))
    assert one.status_code == 200
    assert {k: v for k, v in one.json().items() if k != "quarantine_rows"} == listed[0]
    [quarantined] = one.json()["quarantine_rows"]
    assert (quarantined["line_no"], quarantined["reason"]) == ("3", "UNKNOWN_TWIN")
    assert quarantined["original"] == "s2;2026-03-05T11:00:00Z;render;nobody;a2"


def test_events_are_one_batch_each(api: Api) -> None:
    url = api.url + "/events"
    events = [
        {"event_id": "v1", "occurred_at": "2026-03-05T10:00:00Z", "kind": "render",
         "twin_id": "w1", "asset_id": "a1"},
        {"event_id": "v2", "occurred_at": "2026-03-05T10:00:00Z", "kind": "render",
         "twin_id": "w1", "asset_id": "a2", "quantity": -1},
    ]  # fmt: skip
    headers = auth(api.keys["b2"], **{"idempotency-key": "ev-1"})
    posted = httpx.post(url, json={"events": events}, headers=headers)
    assert posted.status_code == 201, posted.text
    doc = posted.json()
    assert (doc["rows_read"], doc["accepted"], doc["rejected"]) == (2, 1, 1)
    replay = httpx.post(url, json={"events": events}, headers=headers)
    assert replay.json() == doc and replay.headers["idempotent-replayed"] == "true"

    def post(body: bytes, idem: str, key: str = api.keys["b2"]) -> httpx.Response:
        return httpx.post(url, content=body, headers=auth(key, **{"idempotency-key": idem}))

    too_many = post(json.dumps({"events": [{}] * 10_001}).encode(), "ev-2")
    assert assert_error(too_many, 413, "TOO_MANY_EVENTS") == (
        "10001 events; at most 10000 a request"
    )
    assert_error(post(b'{"events": [', "ev-3"), 400, "INVALID_JSON")
    assert_error(post(b'{"events": {}}', "ev-4"), 400, "INVALID_REQUEST")
    assert assert_error(post(b'{"events": [1]}', "ev-5"), 400, "INVALID_REQUEST") == (
        "events[0]: must be an object"
    )
    talent = post(json.dumps({"events": events}).encode(), "ev-6", api.keys["t1"])
    assert assert_error(talent, 403, "FORBIDDEN") == "only a brand's key uploads usage"
    stored = [b["batch_id"] for b in api.books.ok("batches", "list")["batches"]]
    assert doc["batch_id"] in stored
    assert [b for b in api.books.ok("batches", "list")["batches"] if b["brand"] == "b2"] == [
        httpx.get(api.url + "/batches", headers=auth(api.keys["b2"])).json()["batches"][0]
    ]


def test_oversized_malformed_and_refused_requests_store_nothing(api: Api) -> None:
    key = api.keys["b5"]
    big = csv_body(*range(30_000))
    assert len(big) > 1024 * 1024  # max_upload_mib = 1
    assert_error(upload(api, key, big), 413, "PAYLOAD_TOO_LARGE")

    def chunks() -> object:  # no Content-Length: the limit holds while the body streams in
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = httpx.post(
        api.url + "/batches",
        content=chunks(),  # type: ignore[arg-type]
        headers=auth(key, **{"content-type": CSV, "idempotency-key": "k2"}),
    )
    assert_error(streamed, 413, "PAYLOAD_TOO_LARGE")
    malformed = upload(api, key, b"event_id,kind\n1,render\n", idem="k3")
    assert assert_error(malformed, 400, "LOG_UNREADABLE") == (
        "upload.csv: line 1: missing required column 'occurred_at'"
    )
    unknown_profile = upload(api, key, csv_body(1), idem="k4", profile="nope")
    assert assert_error(unknown_profile, 400, "VALIDATION_FAILED") == (
        "profiles/nope.toml: profile not found"
    )
    assert_error(upload(api, key, csv_body(1), media="text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE")
    for path in ("../workspace.toml", "/etc/hosts", "semi.toml"):  # a name, never a path
        assert assert_error(
            upload(api, key, csv_body(1), profile=path), 400, "INVALID_REQUEST"
        ) == ("profile: the name of a profile in the workspace's profiles/")
    no_key = httpx.post(
        api.url + "/batches", content=csv_body(1), headers=auth(key, **{"content-type": CSV})
    )
    assert_error(no_key, 400, "IDEMPOTENCY_KEY_REQUIRED")
    assert httpx.get(api.url + "/batches", headers=auth(key)).json() == {"batches": []}
    assert [b for b in api.books.ok("batches", "list")["batches"] if b["brand"] == "b5"] == []
    assert list((api.books.root / "tmp").glob("api-*")) == []
    assert_error(httpx.get(api.url + "/batches"), 401, "UNAUTHORIZED")
    assert_error(httpx.get(api.url + "/batches", headers=auth("tlk_nope")), 401, "UNAUTHORIZED")
    assert_error(httpx.get(api.url + "/nothing", headers=auth(key)), 404, "NOT_FOUND")


def test_rate_limit_per_key_and_revoked_keys(api: Api) -> None:
    statuses = [
        httpx.get(api.url + "/batches", headers=auth(api.keys["b3"])).status_code for _ in range(41)
    ]
    assert statuses == [200] * 40 + [429]  # requests_per_minute = 40
    limited = httpx.get(api.url + "/batches", headers=auth(api.keys["b3"]))
    assert_error(limited, 429, "RATE_LIMITED")
    assert int(limited.headers["retry-after"]) >= 1
    assert httpx.get(api.url + "/batches", headers=auth(api.keys["b4"])).status_code == 200

    extra = api.books.ok("access", "grant", "--party", "b4", "--api-key")
    assert httpx.get(api.url + "/batches", headers=auth(extra["api_key"])).status_code == 200
    assert api.books.ok("access", "revoke", extra["key"]) == {"revoked": [extra["key"]]}
    revoked = httpx.get(api.url + "/batches", headers=auth(extra["api_key"]))
    assert_error(revoked, 401, "UNAUTHORIZED")
    assert httpx.get(api.url + "/batches", headers=auth(api.keys["b4"])).status_code == 200


ROUTES = {
    "/batches",
    "/batches/{batch_id}",
    "/events",
    "/periods/{period}/exceptions",
    "/periods/{period}/documents",
    "/periods/{period}/documents/{name}.pdf",
    "/periods/{period}/documents/{name}.xml",
}


def test_the_openapi_document_lists_every_route(api: Api) -> None:
    doc = httpx.get(api.url + "/openapi.json").json()
    assert set(doc["paths"]) == ROUTES
    assert set(doc["paths"]["/batches"]) == {"get", "post"}
    media = set(doc["paths"]["/batches"]["post"]["requestBody"]["content"])
    assert {CSV, JSONL, PARQUET} <= media


def test_a_key_never_reads_another_partys_data(api: Api) -> None:
    books = api.books
    keys = {p: books.ok("access", "grant", "--party", p, "--api-key")["api_key"]
            for p in ("b1", "b2", "b3", "t1", "ag")}  # fmt: skip
    batches = {}
    for brand in ("b1", "b2"):
        body = csv_body(f"{brand}-1", f"{brand}-2", day="2026-01-10")
        body += csv_body(f"{brand}-x", day="2026-01-11", twin="w2").split(b"\n", 1)[1]
        response = upload(api, keys[brand], body, idem=f"jan-{brand}")
        assert response.status_code == 201, response.text
        batches[brand] = response.json()["batch_id"]
    books.ok("settle", "run", "2026-01")
    books.ok("settle", "close", "2026-01")

    def get(party: str, path: str) -> httpx.Response:
        return httpx.get(api.url + path, headers=auth(keys[party]), timeout=60)

    # batches: only the brand that uploaded it
    for party in keys:
        for brand, batch in batches.items():
            status = get(party, f"/batches/{batch}").status_code
            assert status == (200 if party == brand else 404), (party, batch)
        listed = {b["batch_id"] for b in get(party, "/batches").json()["batches"]}
        assert listed.isdisjoint(b for owner, b in batches.items() if owner != party)

    # exceptions: a brand its own; the talent and its agency those of the talent's twins
    seen = {
        party: sorted(
            (e["brand"], e["event_id"])
            for e in get(party, "/periods/2026-01/exceptions").json()["exceptions"]
        )
        for party in keys
    }
    assert seen == {
        "b1": [("b1", "eb1-x")],
        "b2": [("b2", "eb2-x")],
        "b3": [],
        "t1": [("b1", "eb1-x"), ("b2", "eb2-x")],
        "ag": [("b1", "eb1-x"), ("b2", "eb2-x")],
    }

    # documents: each party its own, of the closed period only
    listed = {party: get(party, "/periods/2026-01/documents") for party in keys}
    docs = {party: r.json()["documents"] for party, r in listed.items()}
    assert [(d["document"], d["total"]) for d in docs["b3"]] == []
    assert [(d["document"], d["currency"], d["total"]) for d in docs["b1"]] == [
        ("invoice", "EUR", "20.00")
    ]
    assert docs["b1"][0]["number"] != docs["b2"][0]["number"]
    assert [(d["document"], d["pdf"]) for d in docs["t1"]] == [
        ("statement", "/api/v1/periods/2026-01/documents/statement.pdf")
    ]
    pdfs = {}
    for party in keys:
        for name in ("EUR", "statement"):
            response = get(party, f"/periods/2026-01/documents/{name}.pdf")
            owner = party in ("b1", "b2") if name == "EUR" else party in ("t1", "ag")
            assert response.status_code == (200 if owner else 404), (party, name)
            if owner:
                assert response.content.startswith(b"%PDF-")
                pdfs[party] = response.content
        xml = get(party, "/periods/2026-01/documents/EUR.xml")
        has_xml = party in docs and any(d.get("xml") for d in docs[party])
        assert xml.status_code == (200 if has_xml else 404), (party, xml.text)
    assert len(set(pdfs.values())) == 4  # b1, b2, t1, ag: four different documents
    for party in keys:
        for path in (
            "/periods/2026-02/documents",
            "/periods/2026-02/exceptions",
            "/periods/nonsense/documents",
            "/periods/2026-01/documents/..%2Fsecret.pdf",
            "/batches/" + "x" * 300,
        ):
            assert_error(get(party, path), 404, "NOT_FOUND")


def test_the_curl_examples_of_docs_api_md_run(api: Api, tmp_path: Path) -> None:
    books = api.books
    key = books.ok("access", "grant", "--party", "b4", "--api-key")["api_key"]
    first = upload(api, key, csv_body("feb-1", "feb-2", day="2026-02-03"), idem="feb-0")
    assert first.status_code == 201, first.text
    books.ok("settle", "run", "2026-02")
    books.ok("settle", "close", "2026-02")
    (tmp_path / "usage-2026-02.csv").write_bytes(csv_body("feb-3", day="2026-02-04"))
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    assert len(blocks) == 5
    script = "set -euo pipefail\n" + "\n".join(blocks)
    script = script.replace("http://127.0.0.1:8000", api.server.url)
    ran = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=os.environ | {"TWINLEDGER_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert (tmp_path / "invoice.pdf").read_bytes().startswith(b"%PDF-")
    mine = [b for b in books.ok("batches", "list")["batches"] if b["brand"] == "b4"]
    assert [(b["source_file"], b["accepted"]) for b in mine] == [
        ("upload.csv", 2),
        ("usage-2026-02.csv", 1),
        ("events.jsonl", 1),
    ]
    assert '{"period":"2026-02","exceptions":[]}' in ran.stdout


def test_concurrent_uploads_from_five_brands_store_every_event_once(api: Api) -> None:
    import duckdb

    brands = ("b1", "b2", "b3", "b4", "b5")
    keys = {
        b: api.books.ok("access", "grant", "--party", b, "--api-key")["api_key"] for b in brands
    }
    jobs = [(brand, n) for n in range(10) for brand in brands]  # 50 uploads

    def send(job: tuple[str, int]) -> dict[str, Any]:
        brand, n = job
        ids = [f"cc-{i}" for i in range(n * 20, n * 20 + 30)]  # overlaps the next upload's
        response = upload(api, keys[brand], csv_body(*ids, day="2026-03-20"), idem=f"cc-{n}")
        assert response.status_code == 201, response.text
        return response.json()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(send, jobs))
    assert all(r["rows_read"] == r["accepted"] + r["duplicates"] for r in results)
    for brand in brands:
        accepted = sum(r["accepted"] for (b, _), r in zip(jobs, results, strict=True) if b == brand)
        assert accepted == 9 * 20 + 30  # every distinct id of the brand, once
    lake = str(api.books.root / "events" / "*" / "*.parquet")
    counts = duckdb.sql(
        f"SELECT brand, count(*), count(DISTINCT event_id) FROM read_parquet('{lake}') "
        "WHERE event_id LIKE 'ecc-%' GROUP BY brand ORDER BY brand"
    ).fetchall()
    assert counts == [(brand, 210, 210) for brand in brands]


def test_xlsx_uploads_and_restatements(api: Api) -> None:
    import xlsxwriter

    key = api.keys["b2"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(
        [
            ["event_id", "occurred_at", "kind", "twin_id", "asset_id", "quantity"],
            ["x1", "2026-03-08T10:00:00Z", "render", "w1", "a1", 1],
            ["x2", "2026-03-08T11:00:00Z", "render", "w1", "a2", 1],
        ]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    posted = upload(api, key, buffer.getvalue(), media=xlsx, idem="xl-1")
    assert posted.status_code == 201, posted.text
    assert (posted.json()["rows_read"], posted.json()["accepted"]) == (2, 2)

    changed = csv_body("x9", day="2026-03-09").replace(b"ex9,", b"x2,").replace(b",ax9,", b",a9,")
    plain = upload(api, key, changed, idem="xl-2")
    assert (plain.json()["duplicates"], plain.json()["conflicts"]) == (1, 1)
    restated = upload(api, key, changed, idem="xl-3", restate="true")
    assert restated.status_code == 200  # the same file: already ingested, with or without restate
    again = upload(api, key, changed + b"\n", idem="xl-4", restate="true")
    assert (again.status_code, again.json()["restated"]) == (201, 1)
