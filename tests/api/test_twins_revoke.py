"""`twins revoke`: consent withdrawn from a day on makes later uses UNLICENSED and tells every
licensed brand and the talent's agency, by a signed webhook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from receiver import Receiver
from shared import HEADER, contract, one_talent, party, rate


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    started: dict[str, Receiver] = {}
    yield started
    for receiver in started.values():
        receiver.stop()


def setup(books: Any, receivers: dict[str, Receiver]) -> None:
    parties = (
        one_talent()
        + "\n"
        + party("brands", id="b2", name="Brand Two", currency="EUR")
        + "\n"
        + party("brands", id="b3", name="Brand Three", currency="EUR")
    )
    books.ok("parties", "import", books.write("parties.toml", parties))
    for cid, brand in (("C1", "b1"), ("C2", "b2")):
        text = contract(cid, brand, "w1", "EUR", rate("renders", price="10"))
        books.ok("contracts", "import", books.write(f"{cid}.toml", text))
    for party_id in ("b1", "b2", "b3", "ag", "t1"):
        receiver = Receiver().start()
        receivers[party_id] = receiver
        doc = books.ok("webhooks", "add", "--party", party_id, "--url", receiver.url)
        receiver.secret = doc["secret"]


def test_revoke_reaches_every_licensed_brand_and_makes_later_uses_unlicensed(
    books: Any, receivers: dict[str, Receiver]
) -> None:
    setup(books, receivers)
    doc = books.ok("twins", "revoke", "w1", "--on", "2026-03-15", "--reason", "consent withdrawn")
    assert doc == {
        "twin": "w1",
        "talent": "t1",
        "revoked_on": "2026-03-15",
        "recorded_at": doc["recorded_at"],
        "reason": "consent withdrawn",
        "brands": ["b1", "b2"],
        "agency": "ag",
    }
    assert books.ok("webhooks", "deliver") == {"delivered": 3, "failed": 0}  # one pass
    told = {"twin": "w1", "talent": "t1", "revoked_on": "2026-03-15"}
    for party_id in ("b1", "b2", "ag"):
        [(_, body, _)] = receivers[party_id].verified
        assert body["type"] == "twin.revoked"
        assert body["data"] == told | {"recorded_at": doc["recorded_at"]}
    assert receivers["b3"].attempts == [] and receivers["t1"].attempts == []

    log = books.write(
        "l.csv",
        HEADER + "\n"
        "e1,2026-03-14T23:00:00Z,render,w1,a1,,,,1,\n"
        "e2,2026-03-15T00:00:00Z,render,w1,a2,,,,1,\n",
    )
    books.ok("ingest", log, "--brand", "b1")
    run = books.ok("settle", "run", "2026-03")
    assert run["exceptions"] == {"UNLICENSED": 1}
    assert run["totals"]["EUR"]["brand_due"] == "10.00"
    [exception] = books.ok("exceptions", "2026-03")["exceptions"]
    assert (exception["event_id"], exception["detail"]) == (
        "e2",
        "twin w1 revoked on 2026-03-15 (consent withdrawn)",
    )

    # importing the parties file again (without revoked_on) does not undo the withdrawal
    books.ok("parties", "import", books.files / "parties.toml")
    assert books.ok("settle", "run", "2026-03")["exceptions"] == {"UNLICENSED": 1}
    assert books.refused("twins", "revoke", "w1", "--on", "2026-03-20", "--reason", "again") == (
        "error: twin w1 is revoked already, on 2026-03-15"
    )


def test_revoke_refuses_bad_input_and_writes_nothing(
    books: Any, receivers: dict[str, Receiver]
) -> None:
    setup(books, receivers)
    assert books.refused("twins", "revoke", "w9", "--on", "2026-03-15", "--reason", "x") == (
        "error: unknown twin 'w9'"
    )
    assert books.refused("twins", "revoke", "w1", "--on", "15.03.2026", "--reason", "x") == (
        "error: --on: expected a date YYYY-MM-DD, got '15.03.2026'"
    )
    assert books.refused("twins", "revoke", "w1", "--on", "2026-03-15", "--reason", " ") == (
        "error: a withdrawal needs a reason"
    )
    log = books.write("l.csv", HEADER + "\ne1,2026-03-14T23:00:00Z,render,w1,a1,,,,1,\n")
    books.ok("ingest", log, "--brand", "b1")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    assert books.refused("twins", "revoke", "w1", "--on", "2026-03-31", "--reason", "x") == (
        "error: 2026-03-31 is in closed period 2026-03; a withdrawal takes effect in an open period"
    )
    types = [d["type"] for d in books.ok("webhooks", "deliveries")["deliveries"]]
    assert types[-1] == "batch.committed" and "period.closed" in types  # newest first
    assert "twin.revoked" not in types  # nothing from the refused withdrawals
