"""The webhook worker of `twinledger serve`: it delivers the outbox as it fills, and a server
killed mid-delivery loses nothing (the message goes again after the restart)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from receiver import Receiver
from server import Server
from shared import HEADER, contract, one_talent, rate
from sqlmodel import select

from ledger.storage.api_tables import WebhookMessageRow
from ledger.storage.db import reading

FAST = "\n[webhooks]\nretry_base_s = 0.2\nretry_max_s = 0.5\npoll_s = 0.1\n"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def states(books: Any) -> list[tuple[str, str, int]]:
    with reading(books.workspace.engine) as session:
        rows = session.exec(select(WebhookMessageRow).order_by(WebhookMessageRow.id)).all()
        return [(r.msg_id, r.state, r.attempts) for r in rows]


def wait_for(check: Callable[[], bool], within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.slow  # starts the server twice
def test_a_server_killed_mid_delivery_sends_the_message_again_after_restart(
    books: Any, serve: Callable[..., Server], receiver: Receiver
) -> None:
    books.ok("parties", "import", books.write("parties.toml", one_talent()))
    text = contract("C1", "b1", "w1", "EUR", rate("renders", price="10"))
    books.ok("contracts", "import", books.write("c1.toml", text))
    receiver.secret = books.ok("webhooks", "add", "--party", "b1", "--url", receiver.url)["secret"]
    settings = books.root / "workspace.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + FAST, encoding="utf-8")

    receiver.hold = threading.Event()  # the receiver holds the first request open
    server = serve()
    log = books.write("l.csv", HEADER + "\ne1,2026-03-05T10:00:00Z,render,w1,a1,,,,1,\n")
    books.ok("ingest", log, "--brand", "b1")
    [(msg_id, _, _)] = states(books)
    assert receiver.arrived.wait(30)  # the worker is sending it now
    server.kill()
    assert states(books) == [(msg_id, "pending", 0)]  # not marked delivered: nothing lost
    held, receiver.hold = receiver.hold, None
    held.set()  # the answer goes to a dead connection

    serve(server.port)  # restart
    wait_for(lambda: states(books) == [(msg_id, "delivered", 1)])
    assert receiver.attempts == [msg_id, msg_id]  # at least once: the receiver drops a repeat
    assert [i for i, _, _ in receiver.verified] == [msg_id, msg_id]
    assert receiver.types() == ["batch.committed", "batch.committed"]


@pytest.mark.slow  # starts a server (the delivery rules are tested without one in test_webhooks)
def test_serve_delivers_the_outbox_as_it_fills(
    books: Any, serve: Callable[..., Server], receiver: Receiver
) -> None:
    books.ok("parties", "import", books.write("parties.toml", one_talent()))
    text = contract("C1", "b1", "w1", "EUR", rate("renders", price="10"))
    books.ok("contracts", "import", books.write("c1.toml", text))
    receiver.secret = books.ok("webhooks", "add", "--party", "b1", "--url", receiver.url)["secret"]
    settings = books.root / "workspace.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + FAST, encoding="utf-8")
    receiver.fail_next = 2
    serve()
    for n in (1, 2, 3):
        log = books.write(
            f"l{n}.csv", HEADER + f"\ne{n},2026-03-05T10:00:00Z,render,w1,a{n},,,,1,\n"
        )
        books.ok("ingest", log, "--brand", "b1")
    wait_for(lambda: [s for _, s, _ in states(books)] == ["delivered"] * 3)
    recorded = [m for m, _, _ in states(books)]
    assert receiver.attempts == [recorded[0]] * 3 + recorded[1:]
    assert [i for i, _, _ in receiver.verified] == recorded
