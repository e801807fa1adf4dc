"""Webhooks: the outbox is written in the transaction of the change, messages are signed per
Standard Webhooks, delivered in order per endpoint, retried with backoff, and nothing is lost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from receiver import Receiver
from shared import HEADER, contract, one_talent, party, rate
from sqlalchemy import text
from sqlmodel import col, select

from ledger.storage.api_tables import WebhookMessageRow
from ledger.storage.db import reading
from ledger.webhooks.delivery import Settings, deliver_pending
from ledger.webhooks.outbox import EVENT_TYPES

FAST = Settings(retry_base_s=0.05, retry_max_s=0.2, timeout_s=5, poll_s=0.05)


def setup(books: Any) -> None:
    parties = one_talent() + "\n" + party("brands", id="b2", name="Brand Two", currency="EUR")
    books.ok("parties", "import", books.write("parties.toml", parties))
    books.ok("contracts", "import", books.write("c1.toml", contract(
        "C1", "b1", "w1", "EUR", rate("renders", price="10"), start="2026-03-02"
    )))  # fmt: skip


def log(books: Any, name: str, *rows: str) -> Any:
    return books.write(name, HEADER + "\n" + "".join(r + "\n" for r in rows))


def render(n: int, day: str = "2026-03-05", twin: str = "w1") -> str:
    return f"e{n},{day}T10:00:00Z,render,{twin},a{n},,,,1,"


def messages(books: Any) -> list[WebhookMessageRow]:
    with reading(books.workspace.engine) as session:
        query = select(WebhookMessageRow).order_by(col(WebhookMessageRow.id))
        return list(session.exec(query).all())


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def endpoint(books: Any, receivers: list[Receiver], party_id: str, *more: str) -> Receiver:
    receiver = Receiver().start()
    receivers.append(receiver)
    doc = books.ok("webhooks", "add", "--party", party_id, "--url", receiver.url, *more)
    assert doc["secret"].startswith("whsec_")
    receiver.secret = doc["secret"]
    return receiver


def deliver_all(books: Any, settings: Settings = FAST, within_s: float = 10) -> None:
    deadline = time.monotonic() + within_s
    while any(m.state == "pending" for m in messages(books)):
        assert time.monotonic() < deadline, [m.last_error for m in messages(books)]
        deliver_pending(books.workspace, settings)
        time.sleep(0.02)


def test_a_batch_commit_writes_its_message_with_it_and_only_then(
    books: Any, receivers: list[Receiver]
) -> None:
    setup(books)
    hook = endpoint(books, receivers, "b1")
    other = endpoint(books, receivers, "b2")
    first = books.ok("ingest", log(books, "l1.csv", render(1), render(2)), "--brand", "b1")
    again = books.ok("ingest", log(books, "l1.csv", render(1), render(2)), "--brand", "b1")
    assert again["status"] == "already_ingested"
    bad = log(books, "bad.csv", render(3), "e4,2026-03-05T10:00:00Z,render,nobody,a4,,,,1,")
    assert books.cli("ingest", bad, "--brand", "b1", "--strict").exit_code == 1
    [message] = messages(books)
    assert (message.event_type, message.state) == ("batch.committed", "pending")
    assert message.attempts == 0
    body = json.loads(message.payload)
    assert body["type"] == "batch.committed"
    assert body["data"] == first | {"brand": "b1", "periods": ["2026-03"]}
    deliver_all(books)
    assert hook.attempts == [message.msg_id] and hook.rejected == []
    assert [(i, raw.decode()) for i, _, raw in hook.verified] == [(message.msg_id, message.payload)]
    assert other.attempts == []
    [row] = messages(books)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 1, None)


def test_a_failing_endpoint_gets_every_message_later_in_order(
    books: Any, receivers: list[Receiver]
) -> None:
    setup(books)
    hook = endpoint(books, receivers, "b1")
    hook.fail_next = 3
    for n in range(1, 5):
        books.ok("ingest", log(books, f"l{n}.csv", render(n)), "--brand", "b1")
    recorded = messages(books)
    assert len(recorded) == 4
    counts = deliver_pending(books.workspace, FAST)
    assert counts == {"delivered": 0, "failed": 1}
    first = messages(books)[0]
    assert first.state == "pending" and first.attempts == 1 and first.last_error == "HTTP 500"
    assert first.next_attempt_at > first.created_at
    deliver_all(books)
    # the first message was tried until it went through; no later one went before it
    assert hook.attempts == [recorded[0].msg_id] * 4 + [m.msg_id for m in recorded[1:]]
    assert [(i, raw.decode()) for i, _, raw in hook.verified] == [
        (m.msg_id, m.payload) for m in recorded
    ]
    assert [m.state for m in messages(books)] == ["delivered"] * 4
    failed = books.ok("webhooks", "deliveries", "--failed")["deliveries"]
    assert failed == []


def test_retries_end_after_their_window_and_redeliver_sends_again(
    books: Any, receivers: list[Receiver]
) -> None:
    setup(books)
    hook = endpoint(books, receivers, "b1")
    hook.fail_next = 100
    books.ok("ingest", log(books, "l1.csv", render(1)), "--brand", "b1")
    books.ok("ingest", log(books, "l2.csv", render(2)), "--brand", "b1")
    first, second = messages(books)
    with books.workspace.engine.begin() as conn:  # written 24 hours ago
        conn.execute(
            text("UPDATE webhook_messages SET retry_until = next_attempt_at WHERE id = :id"),
            {"id": first.id},
        )
    assert deliver_pending(books.workspace, FAST) == {"delivered": 0, "failed": 1}
    [failed] = books.ok("webhooks", "deliveries", "--failed")["deliveries"]
    assert (failed["id"], failed["state"], failed["last_error"]) == (first.id, "failed", "HTTP 500")
    hook.fail_next = 0
    deliver_all(books)  # the message given up no longer blocks the next
    assert [i for i, _, _ in hook.verified] == [second.msg_id]
    again = books.ok("webhooks", "redeliver", str(first.id))
    assert (again["state"], again["attempts"]) == ("pending", 0)
    deliver_all(books)
    assert [i for i, _, _ in hook.verified] == [second.msg_id, first.msg_id]
    assert books.refused("webhooks", "redeliver", "msg_nothing") == (
        "error: no webhook message 'msg_nothing'"
    )


def test_a_wrong_secret_fails_verification(books: Any, receivers: list[Receiver]) -> None:
    setup(books)
    hook = endpoint(books, receivers, "b1")
    real = hook.secret
    hook.secret = "whsec_" + "A" * 43 + "="
    books.ok("ingest", log(books, "l1.csv", render(1)), "--brand", "b1")
    assert deliver_pending(books.workspace, FAST) == {"delivered": 0, "failed": 1}
    assert len(hook.rejected) == 1 and hook.verified == []
    hook.secret = real
    deliver_all(books)
    assert len(hook.verified) == 1


def test_settle_and_close_tell_each_party(books: Any, receivers: list[Receiver]) -> None:
    setup(books)
    brand = endpoint(books, receivers, "b1")
    talent = endpoint(books, receivers, "t1", "--events", "period.closed,document.issued")
    agency = endpoint(books, receivers, "ag", "--events", "exceptions.found")
    early = render(2, day="2026-03-01")  # before the contract: UNLICENSED
    books.ok("ingest", log(books, "l1.csv", render(1), early), "--brand", "b1")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    deliver_all(books)
    assert brand.types() == [
        "batch.committed",
        "exceptions.found",
        "exceptions.found",
        "period.closed",
        "document.issued",
    ]
    found = brand.verified[1][1]["data"]
    assert found == {"period": "2026-03", "status": "draft", "count": 1, "kinds": {"UNLICENSED": 1}}
    issued = brand.verified[4][1]["data"]
    assert (issued["document"], issued["currency"], issued["total"]) == ("invoice", "EUR", "10.00")
    assert issued["number"]
    assert talent.types() == ["period.closed", "document.issued"]
    assert talent.verified[1][1]["data"]["document"] == "statement"
    assert agency.types() == []  # no exceptions.found goes to an agency
    listed = books.ok("webhooks", "list")["endpoints"]
    assert [(e["party"]["id"], e["events"]) for e in listed] == [
        ("b1", list(EVENT_TYPES)),
        ("t1", ["period.closed", "document.issued"]),
        ("ag", ["exceptions.found"]),
    ]
    assert "secret" not in json.dumps(listed)


def test_webhooks_add_refuses_bad_input(books: Any) -> None:
    setup(books)
    assert books.refused("webhooks", "add", "--party", "b1", "--url", "ftp://x") == (
        "error: webhook url 'ftp://x': must be an http:// or https:// address"
    )
    assert books.refused(
        "webhooks", "add", "--party", "b1", "--url", "https://x.example", "--events", "nope"
    ).startswith("error: unknown webhook event 'nope'; known: batch.committed")
    assert books.refused("webhooks", "add", "--party", "zz", "--url", "https://x.example") == (
        "error: no talent, agency or brand with id 'zz'"
    )


def test_a_payout_run_tells_each_payee(books: Any, receivers: list[Receiver]) -> None:
    from datetime import date, timedelta

    talent = {"iban": "DE44500105175407324931"}
    books.ok("parties", "import", books.write("parties.toml", one_talent(talent_fields=talent)))
    books.ok("contracts", "import", books.write("c1.toml", contract(
        "C1", "b1", "w1", "EUR", rate("renders", price="100")
    )))  # fmt: skip
    books.ok("ingest", log(books, "l1.csv", render(1)), "--brand", "b1")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    talent_hook = endpoint(books, receivers, "t1", "--events", "payout.created")
    agency_hook = endpoint(books, receivers, "ag", "--events", "payout.created")
    brand_hook = endpoint(books, receivers, "b1")
    books.ok("payer", "set", "Twin Clearing GmbH", "--iban", "DE89 3704 0044 0532 0130 00")
    execution = (date.today() + timedelta(days=3)).isoformat()
    run = books.ok("payouts", "create", "2026-03", "--execution-date", execution)
    deliver_all(books)
    sent = {t["party"]: t for t in run["transfers"]}
    for party_id, hook in (("t1", talent_hook), ("ag", agency_hook)):
        [(_, body, _)] = hook.verified
        transfer = sent[party_id]
        assert body["type"] == "payout.created"
        assert body["data"] == {
            "run": "PR-2026-03-1",
            "period": "2026-03",
            "execution_date": execution,
            "statement": transfer["statement"],
            "currency": "EUR",
            "amount": transfer["amount"],
            "method": transfer["method"],
            "end_to_end_id": transfer["end_to_end_id"],
        }
    assert (sent["t1"]["amount"], sent["t1"]["method"]) == ("80.00", "sepa")
    assert brand_hook.verified == []  # a brand is not paid
