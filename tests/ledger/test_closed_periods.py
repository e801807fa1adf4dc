"""Closed months never change: late events and amendments become prior-period adjustments in
the next open month; the journal proves it was not altered (SPEC 4.4, 4.5)."""

from __future__ import annotations

from pathlib import Path

from tests import shared
from tests.conftest import Books

PARTIES = shared.one_talent()

TIERS = '[{ up_to = 10, price = "100" }, { up_to = 20, price = "80" }, { price = "60" }]'

CONTRACT = shared.contract(
    "K1",
    "b1",
    "w1",
    "EUR",
    shared.rate(
        "publications",
        tier_mode="graduated",
        tiers=shared.Raw(TIERS),
    ),
    shared.rate("renders", price="RENDER_PRICE"),
)

HEADER = shared.HEADER


def log(prefix: str, month: int, publications: int, renders: int) -> str:
    rows = [HEADER]
    rows += [f"{prefix}r{n},2026-{month:02d}-01T0{n % 9}:00:00Z,render,w1,a1,,,still,,"
             for n in range(renders)]  # fmt: skip
    rows += [f"{prefix}p{n},2026-{month:02d}-{n + 2:02d}T12:00:00Z,publication,w1,a1,social,SE,"
             "still,,true" for n in range(publications)]  # fmt: skip
    return "\n".join(rows) + "\n"


def close_march(books: Books) -> dict[str, bytes]:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok(
        "contracts", "import", books.write("K1.toml", CONTRACT.replace("RENDER_PRICE", "2.00"))
    )
    books.ok("ingest", books.write("m3.csv", log("a", 3, 8, 5)), "--brand", "b1")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.ok("statements", "render", "2026-03")
    folder = books.root / "statements" / "2026-03"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.pdf"))}


def test_late_events_and_an_amendment_are_carried_into_the_next_month(books: Books) -> None:
    issued = close_march(books)
    march_data = books.ok("statements", "data", "2026-03", "--party", "t1")
    [march] = march_data["contracts"]
    # 8 publications in the first tier: 8 x 100 = 800.00; 5 renders x 2.00 = 10.00
    assert (march["usage"], march["commission"], march["talent_net"]) == (
        "810.00",
        "162.00",
        "648.00",
    )

    # four March publications arrive late, crossing the tier boundary at 10 ...
    books.ok("ingest", books.write("m3-late.csv", log("late", 3, 4, 0)), "--brand", "b1")
    # ... and the render rate is corrected from 2.00 to 3.00 for the whole term
    books.ok(
        "contracts",
        "import",
        books.write("K1.toml", CONTRACT.replace("RENDER_PRICE", "3.00")),
        "--amend",
    )
    books.ok("ingest", books.write("m4.csv", log("b", 4, 3, 1)), "--brand", "b1")
    books.ok("settle", "run", "2026-04")

    [april] = books.ok("statements", "data", "2026-04", "--party", "t1")["contracts"]
    # April: 3 publications x 100 = 300.00 + 1 render x 3.00 = 303.00; commission 60.60
    assert (april["usage"], april["commission"], april["talent_net"]) == (
        "303.00",
        "60.60",
        "242.40",
    )
    # March recomputed: 12 publications = 10 x 100 + 2 x 80 = 1160.00, 5 renders x 3.00 = 15.00
    # = 1175.00; issued 810.00; difference 365.00, commission 73.00, talent_net 292.00
    assert april["prior_period_adjustments"] == [{
        "period": "2026-03", "usage": "365.00", "retainer": "0.00", "cap_adjustment": "0.00",
        "minimum_guarantee_topup": "0.00", "earned": "365.00", "advance_paid": "0.00",
        "advance_recouped": "0.00", "brand_due": "365.00", "commission": "73.00",
        "withholding": "0.00", "talent_net": "292.00",
    }]  # fmt: skip
    talent = books.ok("statements", "data", "2026-04", "--party", "t1")["summary"]
    assert (talent["net_this_period"], talent["payable"]) == ("534.40", "534.40")
    assert books.ok("statements", "data", "2026-04", "--party", "b1")["summary"] == {
        "due": {"EUR": "668.00"}
    }
    assert (
        books.ok("statements", "data", "2026-04", "--party", "ag")["summary"]["payable"] == "133.60"
    )

    # March as issued: the same data and byte-identical PDFs when rendered again
    assert books.ok("statements", "data", "2026-03", "--party", "t1") == march_data
    books.ok("statements", "render", "2026-03")
    folder = books.root / "statements" / "2026-03"
    assert {p.name: p.read_bytes() for p in sorted(folder.glob("*.pdf"))} == issued
    again = books.files / "again"
    books.ok("statements", "render", "2026-03", "--out", again)
    assert {p.name: p.read_bytes() for p in sorted(again.glob("*.pdf"))} == issued

    books.ok("settle", "close", "2026-04")
    # after April closes, May carries nothing more for March
    books.ok("settle", "run", "2026-05")
    [may] = books.ok("statements", "data", "2026-05", "--party", "t1")["contracts"]
    assert may["prior_period_adjustments"] == []
    assert books.ok("audit", "verify")["ok"] is True


def test_explain_a_closed_line_uses_what_the_close_covered(books: Books) -> None:
    close_march(books)
    books.ok("ingest", books.write("m3-late.csv", log("late", 3, 4, 0)), "--brand", "b1")
    explained = books.ok("explain", "2026-03:K1:v0:r1")
    assert (explained["quantity"], explained["amount"]) == ("8", "800.00")
    assert len(explained["events"]) == 8
    assert {e["batch_id"] for e in explained["events"]} == {
        books.ok("batches", "list")["batches"][0]["batch_id"]
    }
    assert explained["details"]["tiers"][0]["units"] == "8"


def _tamper(books: Books, sql: str) -> str:
    books.tampered = True
    with books.workspace.engine.begin() as conn:
        conn.exec_driver_sql(sql)
    return books.refused("audit", "verify")


def test_editing_a_journal_amount_is_detected_naming_the_entry(books: Books) -> None:
    close_march(books)
    assert books.ok("audit", "verify")["ok"] is True
    message = _tamper(
        books, "UPDATE postings SET credit = '999.00' WHERE entry_seq = 1 AND credit > 0 "
        "AND substr(account, 1, 7) = 'talent:'")  # fmt: skip
    assert "journal entry 1 (2026-03:K1) was altered" in message


def test_deleting_a_journal_entry_is_detected(books: Books) -> None:
    close_march(books)
    message = _tamper(books, "DELETE FROM postings WHERE entry_seq = 2")
    assert "journal entry 2" in message


def test_editing_an_issued_statement_is_detected(books: Books) -> None:
    close_march(books)
    message = _tamper(
        books, "UPDATE statements SET document = replace(document, '648.00', '948.00') "
        "WHERE party_id = 't1'")  # fmt: skip
    assert "statement ST-2026-03-T-t1 was altered" in message


def test_no_write_reaches_a_closed_period(books: Books, tmp_path: Path) -> None:
    close_march(books)
    before = books.digest()
    for args in (["settle", "run", "2026-03"], ["settle", "close", "2026-03"],
                 ["settle", "reopen", "2026-03"],
                 ["adjust", "2026-03", "--party", "t1", "--amount", "10.00", "--currency", "EUR",
                  "--reason", "bonus", "--by", "finance"]):  # fmt: skip
        assert "2026-03 is closed" in books.refused(*args)
    assert books.digest() == before


def test_render_one_type_of_party(books: Books, tmp_path: Path) -> None:
    issued = close_march(books)
    out = tmp_path / "talents"
    done = books.ok("statements", "render", "2026-03", "--type", "talent", "--out", out)
    assert [Path(f).name for f in done["files"]] == ["ST-2026-03-T-t1.pdf"]
    assert (out / "ST-2026-03-T-t1.pdf").read_bytes() == issued["ST-2026-03-T-t1.pdf"]
    brands = books.ok("statements", "render", "2026-03", "--type", "brand", "--out", out)
    assert [Path(f).name for f in brands["files"]] == [
        name for name in issued if name.startswith("ST-2026-03-B-")
    ]
    message = books.refused("statements", "render", "2026-03", "--type", "brand", "--party", "t1")
    assert message == "error: no brand statement for party 't1' in 2026-03"
