"""Every figure of a small month, computed by hand (SPEC 3, 4.2 steps 1 and 8, 4.3, 4.4)."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Books
from tests.ledger import fixtures
from tests.reports.report_samples import pdf_text


def test_statement_figures_match_the_hand_computation(books: Books) -> None:
    fixtures.load(books)
    run = books.ok("settle", "run", "2026-03")
    # C1 (b1, w1): social publications p1 p2: 2 x 150.00 = 300.00
    #   other publications p3 and p5 (01:00+02:00 on 1 April is 23:00Z on 31 March): 2 x 100 = 200
    #   p4 in the US is out of scope: 150.00 x 0.5 = 75.00
    #   impressions 123458 + 1000 = 124458 / 1000 x 2.50 = 311.145 -> 311.14 (half even)
    #   usage 886.14; commission 20% = 177.228 -> 177.23; withholding 10% of 708.91 = 70.891
    #   -> 70.89; talent_net 886.14 - 177.23 - 70.89 = 638.02
    # C2 (b2, w2): renders 3 x 3.333 = 9.999 -> 10.00; publications 2 x 80 = 160.00
    #   usage 170.00; commission 34.00; withholding 0.00; talent_net 136.00
    assert run == {
        "period": "2026-03",
        "status": "draft",
        "contracts": 2,
        "events_rated": 14,
        "exceptions": {"OUT_OF_SCOPE": 1, "UNLICENSED": 1},
        "totals": {
            "EUR": {
                "brand_due": "1056.14",
                "commission": "211.23",
                "withholding": "70.89",
                "talent_net": "774.02",
            }
        },
    }
    t1 = books.ok("statements", "data", "2026-03", "--party", "t1")
    assert t1["party"] == {"type": "talent", "id": "t1", "name": "Zoë Łukasiewicz", "locale": "en"}
    assert t1["statement_id"] == "ST-2026-03-T-t1"
    assert t1["currency"] == "EUR"
    [c1] = t1["contracts"]
    assert {
        k: c1[k]
        for k in (
            "contract",
            "brand",
            "twin",
            "currency",
            "usage",
            "retainer",
            "cap_adjustment",
            "minimum_guarantee_topup",
            "earned",
            "advance_recouped",
            "brand_due",
            "commission",
            "withholding",
            "talent_net",
        )
    } == {
        "contract": "C1",
        "brand": "b1",
        "twin": "w1",
        "currency": "EUR",
        "usage": "886.14",
        "retainer": "0.00",
        "cap_adjustment": "0.00",
        "minimum_guarantee_topup": "0.00",
        "earned": "886.14",
        "advance_recouped": "0.00",
        "brand_due": "886.14",
        "commission": "177.23",
        "withholding": "70.89",
        "talent_net": "638.02",
    }
    assert c1["prior_period_adjustments"] == []
    lines = {(ln["line_id"], ln["quantity"], ln["amount"]) for ln in c1["lines"]}
    assert lines == {
        ("2026-03:C1:v0:r1", "2", "300.00"),
        ("2026-03:C1:v0:r2", "2", "200.00"),
        ("2026-03:C1:v0:r1:oos", "1", "75.00"),
        ("2026-03:C1:v0:r3", "124458", "311.14"),
    }
    assert sum(Decimal(ln["amount"]) for ln in c1["lines"]) == Decimal(c1["usage"])
    assert t1["summary"] | {"fx_rates": None} == {
        "opening_balance": "0.00",
        "net_this_period": "638.02",
        "adjustments": "0.00",
        "balance": "638.02",
        "carried_forward": "0.00",
        "payable": "638.02",
        "min_payout": "0.00",
        "fx_rates": None,
    }
    assert [(e["kind"], e["event_id"]) for e in t1["exceptions"]] == [("OUT_OF_SCOPE", "p4")]

    t2 = books.ok("statements", "data", "2026-03", "--party", "t2")
    [c2] = t2["contracts"]
    assert (c2["usage"], c2["commission"], c2["withholding"], c2["talent_net"]) == (
        "170.00",
        "34.00",
        "0.00",
        "136.00",
    )
    assert {(ln["line_id"], ln["quantity"], ln["amount"]) for ln in c2["lines"]} == {
        ("2026-03:C2:v0:r1", "3", "10.00"),
        ("2026-03:C2:v0:r2", "2", "160.00"),
    }
    # below the minimum payout of 1000.00: carried forward, nothing payable
    assert (
        t2["summary"]["balance"],
        t2["summary"]["carried_forward"],
        t2["summary"]["payable"],
    ) == ("136.00", "136.00", "0.00")

    agency = books.ok("statements", "data", "2026-03", "--party", "ag")
    assert agency["party"]["type"] == "agency"
    assert agency["summary"]["commission"] == "211.23"
    assert agency["summary"]["payable"] == "211.23"
    assert books.ok("statements", "data", "2026-03", "--party", "b1")["summary"] == {
        "due": {"EUR": "886.14"}
    }
    assert books.ok("statements", "data", "2026-03", "--party", "b2")["summary"] == {
        "due": {"EUR": "170.00"}
    }

    exceptions = books.ok("exceptions", "2026-03")["exceptions"]
    assert exceptions == [
        {
            "kind": "OUT_OF_SCOPE",
            "brand": "b1",
            "twin": "w1",
            "contract": "C1",
            "event_id": "p4",
            "occurred_at": "2026-03-05T10:00:00Z",
            "detail": "territory US not licensed",
        },
        {
            "kind": "UNLICENSED",
            "brand": "b1",
            "twin": "w2",
            "contract": None,
            "event_id": "x1",
            "occurred_at": "2026-03-20T12:00:00Z",
            "detail": "no contract licenses twin w2 to brand b1 on 2026-03-20",
        },
    ]


def test_closing_posts_a_balanced_journal(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", "2026-03")
    closed = books.ok("settle", "close", "2026-03")
    assert closed["status"] == "closed"
    accounts = {(a["account"], a["currency"]): a for a in books.ok("balances")["accounts"]}
    balance = {k: Decimal(v["balance"]) for k, v in accounts.items()}
    assert balance == {
        ("brand:b1:receivable", "EUR"): Decimal("886.14"),
        ("brand:b2:receivable", "EUR"): Decimal("170.00"),
        ("talent:t1:payable", "EUR"): Decimal("0.00"),  # 638.02 credited, then paid out
        ("talent:t2:payable", "EUR"): Decimal("-136.00"),  # carried forward
        ("agency:ag:payable", "EUR"): Decimal("0.00"),  # 211.23 credited, then paid out
        ("withholding:t1:payable", "EUR"): Decimal("-70.89"),
        ("payouts:due", "EUR"): Decimal("-849.25"),  # 638.02 + 211.23
    }
    debits = sum(Decimal(a["debit"]) for a in accounts.values())
    credits = sum(Decimal(a["credit"]) for a in accounts.values())
    assert debits == credits
    # brand charges = talent + agency + withholding credits
    assert Decimal("886.14") + Decimal("170.00") == (
        Decimal("638.02") + Decimal("136.00") + Decimal("211.23") + Decimal("70.89")
    )
    assert books.ok("audit", "verify") == {"ok": True, "entries": 4, "problems": []}
    assert books.ok("settle", "status", "2026-03")["status"] == "closed"


def test_a_long_exception_list_is_listed_in_part_and_counted_in_full(books: Books) -> None:
    """Statements list the first 30 exceptions and count every one by kind; the exceptions
    report has them all."""
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    books.ok("contracts", "import", books.write("C1.toml", fixtures.C1))
    rows = [fixtures.HEADER, "r1,2026-03-01T09:00:00Z,render,w1,a1,,,still,,"]
    rows += [f"o{n:02d},2026-03-02T10:{n:02d}:00Z,publication,w1,a1,social,BR,still,,true"
             for n in range(33)]  # fmt: skip
    rows += [f"m{n},2026-03-03T10:0{n}:00Z,publication,w1,a1,social,SE,still,,false"
             for n in range(4)]  # fmt: skip
    books.ok("ingest", books.write("b1.csv", "\n".join(rows) + "\n"), "--brand", "b1")
    run = books.ok("settle", "run", "2026-03")
    assert run["exceptions"] == {"MISSING_DISCLOSURE": 4, "OUT_OF_SCOPE": 33}
    assert len(books.ok("exceptions", "2026-03")["exceptions"]) == 37
    counts = {"MISSING_DISCLOSURE": 4, "OUT_OF_SCOPE": 33}
    for party in ("t1", "ag", "b1"):
        doc = books.ok("statements", "data", "2026-03", "--party", party)
        assert doc["exception_counts"] == counts, party
        assert [e["event_id"] for e in doc["exceptions"]] == [f"o{n:02d}" for n in range(30)]
    books.ok("statements", "render", "2026-03")
    for name in ("ST-2026-03-T-t1.pdf", "ST-2026-03-A-ag.pdf"):
        text = " ".join(pdf_text(books.root / "drafts" / "2026-03" / name).split())
        assert "o29" in text and "o30" not in text
        assert (
            "and 7 more, 37 in all (published without the required ai disclosure: 4, "
            "used outside the licence: 33)" in text
        ), name
