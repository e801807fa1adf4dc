"""Manual adjustments: reasoned, balanced, into an open period only, shown on the statement."""

from __future__ import annotations

from tests.conftest import Books
from tests.ledger import fixtures


def test_an_adjustment_is_posted_and_reaches_the_statement(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", "2026-03")
    posted = books.ok(
        "adjust", "2026-03", "--party", "t2", "--amount", "900.00", "--currency", "EUR",
        "--reason", "Reshoot fee agreed 12 March", "--by", "finance",
    )  # fmt: skip
    assert (posted["account"], posted["amount"], posted["reason"], posted["by"]) == (
        "talent:t2:payable",
        "900.00",
        "Reshoot fee agreed 12 March",
        "finance",
    )
    # the draft predates the adjustment: closing it now would issue stale figures
    assert "changed since its draft" in books.refused("settle", "close", "2026-03")
    books.ok("settle", "run", "2026-03")
    t2 = books.ok("statements", "data", "2026-03", "--party", "t2")
    # 136.00 from C2 + 900.00 adjustment = 1036.00, above the 1000.00 minimum: paid
    assert (t2["summary"]["net_this_period"], t2["summary"]["adjustments"],
            t2["summary"]["balance"], t2["summary"]["payable"]) == (
        "136.00", "900.00", "1036.00", "1036.00")  # fmt: skip
    [manual] = t2["manual_adjustments"]
    assert (manual["amount"], manual["reason"], manual["by"]) == (
        "900.00",
        "Reshoot fee agreed 12 March",
        "finance",
    )
    books.ok("settle", "close", "2026-03")
    balances = {a["account"]: a["balance"] for a in books.ok("balances")["accounts"]}
    assert balances["adjustments:manual"] == "900.00"
    assert balances["talent:t2:payable"] == "0.00"  # 136.00 + 900.00 credited, 1036.00 paid


def test_an_adjustment_needs_reason_currency_and_an_open_period(books: Books) -> None:
    fixtures.load(books)
    base = ["adjust", "2026-03", "--party", "t1", "--by", "finance"]
    assert "needs a reason" in books.refused(*base, "--amount", "1.00", "--currency", "EUR",
                                             "--reason", " ")  # fmt: skip
    assert "paid in EUR, not SEK" in books.refused(*base, "--amount", "1.00", "--currency",
                                                   "SEK", "--reason", "x")  # fmt: skip
    assert "minor units" in books.refused(*base, "--amount", "1.005", "--currency", "EUR",
                                          "--reason", "x")  # fmt: skip
    assert "not a decimal" in books.refused(*base, "--amount", "ten", "--currency", "EUR",
                                            "--reason", "x")  # fmt: skip
    assert "unknown party 'nobody'" in books.refused(
        "adjust", "2026-03", "--party", "nobody", "--by", "f", "--amount", "1.00", "--currency",
        "EUR", "--reason", "x")  # fmt: skip
