"""Closes of different periods at the same time (SPEC 4.1, 4.3.1): whichever commits first
wins, the other is refused with one line, and nothing is settled twice or out of order; the
invoice series stays gapless. On SQLite and PostgreSQL, with real threads."""

from __future__ import annotations

import threading

import pytest

from ledger.errors import LedgerError
from ledger.settlement import service
from ledger.settlement.compute import Inputs, Settlement
from tests.conftest import Books
from tests.ledger.test_invoices import PARTIES, contract

# A retainer and no usage: March has nothing that makes April wait for it, so both can close.
RETAINER = contract("Z1", "zephyr", "12.50").replace(
    'currency = "EUR"', 'currency = "EUR"\nretainer = "310.00"', 1
)


def _close_both(books: Books) -> dict[str, str]:
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def close(period: str) -> None:
        barrier.wait()
        try:
            service.close(books.workspace, period)
            outcome[period] = "closed"
        except LedgerError as error:
            outcome[period] = str(error)

    threads = [threading.Thread(target=close, args=(p,)) for p in ("2026-03", "2026-04")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def test_concurrent_closes_of_two_periods_settle_one_and_refuse_the_other(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("Z1.toml", RETAINER))
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "run", "2026-04")

    outcome = _close_both(books)

    closed = [p for p, what in outcome.items() if what == "closed"]
    assert len(closed) == 1, outcome
    [refused] = [what for what in outcome.values() if what != "closed"]
    if closed == ["2026-03"]:  # April's draft predates March's close
        assert "2026-03" in refused and "2026-04" in refused
        assert books.ok("settle", "status", "2026-04")["status"] == "draft"
        books.ok("settle", "run", "2026-04")
        books.ok("settle", "close", "2026-04")
        numbers = ["NORDLYS-2026-000001", "NORDLYS-2026-000002"]
        april_net = "310.00"  # January to March went on March's invoice
    else:  # March comes before a closed period: it can never be settled
        assert refused == "period 2026-03 precedes closed period 2026-04; it cannot be settled"
        numbers = ["NORDLYS-2026-000001"]
        april_net = "1240.00"  # no month before it closed: January to April, 4 x 310.00
    issued = [
        d["number"]
        for p in ("2026-03", "2026-04")
        if books.ok("settle", "status", p)["status"] == "closed"
        for d in books.ok("statements", "data", p, "--party", "zephyr")["documents"]
    ]
    assert issued == numbers
    # SE -> SE at 25 %: 310.00 net is 77.50 VAT, 1240.00 is 310.00
    vat = {"310.00": ("77.50", "387.50"), "1240.00": ("310.00", "1550.00")}[april_net]
    april = books.ok("statements", "data", "2026-04", "--party", "zephyr")["documents"]
    assert [(d["net"], d["vat"][0]["amount"], d["gross"]) for d in april] == [(april_net, *vat)]
    assert books.ok("audit", "verify")["ok"] is True


def test_a_draft_run_while_another_period_closes_is_refused_not_stored(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("contracts", "import", books.write("Z1.toml", RETAINER))
    books.ok("settle", "run", "2026-03")
    # April's run reads the books, then March closes before April's draft is written
    real = service.compute

    def compute_then_close_march(inputs: Inputs) -> Settlement:
        settlement = real(inputs)
        monkeypatch.setattr(service, "compute", real)
        service.close(books.workspace, "2026-03")
        return settlement

    monkeypatch.setattr(service, "compute", compute_then_close_march)
    message = books.refused("settle", "run", "2026-04")
    assert message == (
        "error: period 2026-03 was closed while 2026-04 was being settled; run "
        "`twinledger settle run 2026-04` and review it again before closing"
    )
    assert books.ok("settle", "status", "2026-04")["status"] == "open"
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    assert books.ok("audit", "verify")["ok"] is True
