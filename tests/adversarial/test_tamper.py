"""Hand edits of the store after a close are caught by `audit verify` (the seals) or by
`audit verify --deep` (the events re-hashed, re-counted and re-settled), one line per problem
naming what changed; settlement refuses to run on books that fail (SPEC 4.4, docs/audit.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text
from sqlmodel import Session

from ledger.journal import (
    _posting_rows,
    anchored_head,
    entry_hash,
    journal_digest,
    load_entries,
    verify_chain,
)
from ledger.seal import KEY_ENV, canonical
from ledger.settlement.documents import seal as seal_document
from ledger.storage.events import event_files
from tests.conftest import Books
from tests.ledger import fixtures
from tests.reports.report_samples import pdf_text

HEADER = fixtures.HEADER


def _many(rows: int) -> str:
    """``rows`` March publications of w1 on social in SE (C1 prices each at 150.00)."""
    lines = [HEADER]
    lines += [f"m{n},2026-03-{n % 28 + 1:02d}T08:{n % 60:02d}:00Z,publication,w1,a1,social,SE,"
              "still,,true" for n in range(rows)]  # fmt: skip
    return "\n".join(lines) + "\n"


def close_march(books: Books) -> None:
    fixtures.load(books)
    books.ok("ingest", books.write("many.csv", _many(120)), "--brand", "b1")
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    assert books.ok("audit", "verify", "--deep")["ok"] is True


def _sql(books: Books, sql: str, **params: object) -> None:
    books.tampered = True
    with books.workspace.engine.begin() as conn:
        conn.execute(text(sql), params)


def _scalar(books: Books, sql: str) -> object:
    with books.workspace.engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def caught(books: Books, *options: str) -> list[str]:
    """Run `audit verify` (with ``options``): exit 1, one line on stderr naming the first
    problem, and every problem on stdout, one line each."""
    result = books.cli("audit", "verify", *options)
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stderr
    [refusal] = result.stderr.strip().splitlines()
    problems = result.stdout.strip().splitlines()
    assert refusal.startswith(f"error: {problems[0]}")
    return problems


def test_untouched_books_pass_both_checks_and_print_their_seal(books: Books) -> None:
    close_march(books)
    books.ok("ingest", books.write("late.csv", _many(130)), "--brand", "b1")
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    result = books.cli("audit", "verify", "--deep")
    assert result.exit_code == 0, result.stdout
    assert "all invariants and seals hold" in result.stdout
    seals = {p.stem: json.loads(p.read_text()) for p in (books.root / "seals").glob("*.json")}
    assert sorted(seals) == ["2026-03", "2026-04"]
    assert seals["2026-04"]["seal"]["prev"] == seals["2026-03"]["hash"]
    assert seals["2026-03"]["hmac"] is None
    books.ok("statements", "render", "2026-03")
    pdf = books.root / "statements" / "2026-03" / "ST-2026-03-T-t1.pdf"
    assert f"Seal of 2026-03: {seals['2026-03']['hash'][:16]}" in pdf_text(pdf)
    assert books.ok("statements", "verify", pdf)["matches"] is True


def test_cutting_the_last_journal_entry_is_caught(books: Books) -> None:
    close_march(books)
    last = _scalar(books, "SELECT max(seq) FROM journal_entries")
    _sql(books, "DELETE FROM postings WHERE entry_seq = :seq", seq=last)
    _sql(books, "DELETE FROM journal_entries WHERE seq = :seq", seq=last)
    assert (
        f"journal_entries: entry {last}, the head sealed by 2026-03, is missing "
        "(the journal was cut after it was sealed)"
    ) in caught(books)


def test_cutting_the_last_two_journal_entries_is_caught(books: Books) -> None:
    close_march(books)
    last = _scalar(books, "SELECT max(seq) FROM journal_entries")
    _sql(books, "DELETE FROM postings WHERE entry_seq >= :seq", seq=last - 1)
    _sql(books, "DELETE FROM journal_entries WHERE seq >= :seq", seq=last - 1)
    assert (
        f"journal_entries: entry {last}, the head sealed by 2026-03, is missing "
        "(the journal was cut after it was sealed)"
    ) in caught(books)


def test_a_memo_edited_with_every_hash_recomputed_is_caught(books: Books) -> None:
    close_march(books)
    books.tampered = True
    with Session(books.workspace.engine) as session:
        entries = load_entries(session)
    prev = "0" * 64
    with books.workspace.engine.begin() as conn:
        for e in entries:
            memo = e.memo + " (revised)" if e.seq == 1 else e.memo
            digest = entry_hash(
                e.seq, e.period, e.kind, e.reference, memo, prev, _posting_rows(e.postings)
            )
            conn.execute(
                text(
                    "UPDATE journal_entries SET memo = :m, prev_hash = :p, hash = :h WHERE seq = :s"
                ),
                {"m": memo, "p": prev, "h": digest, "s": e.seq},
            )
            prev = digest
    problems = caught(books)
    assert problems == [
        f"journal_entries: entries 1..{len(entries)} were rewritten after the seal of 2026-03 "
        f"(entry {len(entries)} no longer has the sealed hash)"
    ]


def _sealed_head(books: Books, period: str) -> dict[str, object]:
    doc = json.loads((books.root / "seals" / f"{period}.json").read_text())
    head: dict[str, object] = doc["seal"]["journal"]
    return head


def test_a_seal_keeps_the_digest_of_the_journal_up_to_its_head(books: Books) -> None:
    close_march(books)
    head = _sealed_head(books, "2026-03")
    with Session(books.workspace.engine) as session:
        assert head["digest"] == journal_digest(session, int(str(head["seq"])))
        # untouched, the entries up to the head are taken as verified: the chain starts there
        assert anchored_head(session, head) == (head["seq"], head["hash"])
        assert verify_chain(session, (int(str(head["seq"])), str(head["hash"]))) == []


def test_a_posting_edited_under_a_seal_stops_settlement(books: Books) -> None:
    close_march(books)
    _sql(books, "UPDATE postings SET debit = debit + 1 WHERE entry_seq = 1 AND line = 1")
    reference = _scalar(books, "SELECT reference FROM journal_entries WHERE seq = 1")
    # the digest sealed with the head no longer matches: the whole chain is walked again
    with Session(books.workspace.engine) as session:
        assert anchored_head(session, _sealed_head(books, "2026-03")) is None
    altered = (
        f"journal entry 1 ({reference}) was altered outside twinledger: its hash does not "
        "match its content"
    )
    assert books.refused("settle", "run", "2026-04") == (
        f"error: the books fail their integrity check, nothing was settled: {altered}"
    )
    assert altered in caught(books)


def test_an_entry_posted_after_the_last_seal_is_verified_from_it(books: Books) -> None:
    close_march(books)
    batch = _scalar(books, "SELECT id FROM batches WHERE accepted = 120")
    books.ok("batches", "void", batch, "--reason", "sent twice", "--by", "qa")
    last = _scalar(books, "SELECT max(seq) FROM journal_entries")
    assert int(str(last)) > int(str(_sealed_head(books, "2026-03")["seq"]))
    _sql(books, "UPDATE journal_entries SET memo = 'nothing happened' WHERE seq = :s", s=last)
    message = books.refused("settle", "run", "2026-04")
    assert message.startswith(
        f"error: the books fail their integrity check, nothing was settled: journal entry {last} "
        f"(void:{batch}) was altered outside twinledger"
    )


def test_a_settlement_figure_edited_is_caught_and_settlement_refuses(books: Books) -> None:
    close_march(books)
    _sql(books, "UPDATE contract_settlements SET usage = usage + 1000")
    problems = caught(books)
    assert problems[0] == (
        "contract_settlements row (2026-03, C1, 2026-03): usage is 19886.14, sealed as 18886.14"
    )
    assert (
        "contract_settlements row (2026-03, C2, 2026-03): usage is 1170.00, sealed as 170.00"
        in (problems)
    )
    deep = caught(books, "--deep")
    assert (
        "period 2026-03 contract C1 (2026-03) re-settles from its events to usage 18886.14 "
        "(issued 19886.14)"
    ) in deep
    # the next month would book -1000 as a prior-period adjustment: settlement refuses instead
    message = books.refused("settle", "run", "2026-04")
    assert message.startswith(
        "error: the books fail their integrity check, nothing was settled: contract_settlements "
        "row (2026-03, C1, 2026-03): usage is 19886.14"
    )
    assert books.refused("settle", "close", "2026-04").startswith(
        "error: the books fail their integrity check"
    )


def test_payable_balances_kept_by_a_close_edited_are_caught(books: Books) -> None:
    close_march(books)
    kept = json.loads(str(_scalar(books, "SELECT payables FROM measure_snapshots")))
    balances = {(a, c): Decimal(v) for a, c, v in kept}  # as the database holds them
    # t1 was paid at the close; t2's 136.00 is below its minimum payout and carried
    assert balances[("talent:t1:payable", "EUR")] == 0
    assert balances[("talent:t2:payable", "EUR")] == Decimal("136.00")
    forged = [[a, c, "1000136.00" if a == "talent:t2:payable" else v] for a, c, v in kept]
    _sql(books, "UPDATE measure_snapshots SET payables = :text", text=json.dumps(forged))
    assert caught(books) == [
        "measure_snapshots 2026-03: the payable balance kept for talent:t2:payable EUR is "
        "1000136.00, the journal says 136.00"
    ]
    # the next month would open with a million owed to t2: settlement refuses instead
    assert books.refused("settle", "run", "2026-04").startswith(
        "error: the books fail their integrity check, nothing was settled: measure_snapshots "
        "2026-03: the payable balance kept for talent:t2:payable EUR"
    )
    _sql(books, "UPDATE measure_snapshots SET payables = :text", text='[["talent:t2:payable"')
    unreadable = "measure_snapshots 2026-03: the payable balances kept are unreadable"
    assert caught(books) == [unreadable]
    assert books.refused("settle", "run", "2026-04").startswith(
        f"error: the books fail their integrity check, nothing was settled: {unreadable}"
    )


def test_a_statement_rewritten_with_a_fresh_verification_code_is_caught(books: Books) -> None:
    close_march(books)
    stored = _scalar(
        books, "SELECT document FROM statements WHERE statement_id = 'ST-2026-03-T-t1'"
    )
    doc = json.loads(str(stored))
    doc["summary"]["payable"] = "99999.00"
    document = seal_document(doc)
    _sql(
        books,
        "UPDATE statements SET document = :d, verification_code = :c "
        "WHERE statement_id = 'ST-2026-03-T-t1'",
        d=document,
        c=doc["verification_code"],
    )
    assert (
        "statements row ST-2026-03-T-t1: its verification code differs from the one sealed by "
        "2026-03 (the statement was replaced)"
    ) in caught(books)


def test_a_closed_period_set_back_to_draft_is_caught(books: Books) -> None:
    close_march(books)
    _sql(books, "UPDATE periods SET status = 'draft'")
    assert "periods row 2026-03: status is draft, sealed as closed" in caught(books)


def test_a_batch_count_edited_is_caught(books: Books) -> None:
    close_march(books)
    batch = _scalar(books, "SELECT id FROM batches WHERE accepted = 120")
    _sql(books, "UPDATE batches SET accepted = accepted + 5")
    assert f"batches row {batch}: accepted is 125, sealed as 120 (by 2026-03)" in caught(books)


def test_a_batch_voided_by_hand_is_caught_but_batches_void_is_not(books: Books) -> None:
    close_march(books)
    batch = _scalar(books, "SELECT id FROM batches WHERE accepted = 120")
    books.ok("batches", "void", batch, "--reason", "sent twice", "--by", "qa")
    assert books.ok("audit", "verify", "--deep")["ok"] is True  # a void the journal records
    other = _scalar(books, "SELECT id FROM batches WHERE status = 'committed' AND brand = 'b2'")
    _sql(books, f"UPDATE batches SET status = 'void', status_key = id WHERE id = '{other}'")
    assert f"batches row {other}: status is void, but no void of it is in the journal" in caught(
        books
    )


def _events_file(books: Books) -> tuple[str, str, Path]:
    """A batch of one month: its id, its ``events_path`` and its one file in the lake."""
    batch, path = _row(books, "SELECT id, events_path FROM batches WHERE accepted = 120")
    [file] = event_files(books.root / path)
    return batch, path, file


def _row(books: Books, sql: str) -> tuple[str, str]:
    with books.workspace.engine.connect() as conn:
        first, second = conn.execute(text(sql)).one()
    return str(first), str(second)


def test_impressions_multiplied_in_a_closed_event_file_are_caught(books: Books) -> None:
    close_march(books)
    books.tampered = True
    batch, path = _row(
        books, "SELECT id, events_path FROM batches WHERE brand = 'b1' AND accepted < 100"
    )
    [file] = event_files(books.root / path)
    table = pq.read_table(file)
    quantity = table.column("quantity")
    index = table.schema.get_field_index("quantity")
    tenfold = pc.if_else(
        pc.equal(table.column("kind"), "impressions"),
        pc.multiply(quantity, pa.scalar(10, quantity.type)),
        quantity,
    )
    pq.write_table(table.set_column(index, "quantity", tenfold), file)
    assert books.ok("audit", "verify")["ok"] is True  # the cheap check cannot see event files
    problems = caught(books, "--deep")
    assert (
        problems[0]
        == f"{path} (batch {batch}): its content differs from the sha256 recorded at ingest"
    )
    # impressions 124458 x 10 / 1000 x 2.50 = 3111.45 instead of 311.145 -> 311.14
    assert any(
        p.startswith(
            "period 2026-03 contract C1 (2026-03) re-settles from its events to "
            "usage 21686.45 (issued 18886.14)"
        )
        for p in problems
    )


def test_rows_deleted_from_a_closed_event_file_are_caught(books: Books) -> None:
    close_march(books)
    books.tampered = True
    batch, events_path, file = _events_file(books)
    table = pq.read_table(file)
    pq.write_table(table.slice(50), file)
    problems = caught(books, "--deep")
    name = f"{events_path} (batch {batch})"
    assert problems[:2] == [
        f"{name}: its content differs from the sha256 recorded at ingest",
        f"{name} holds 70 events, the batch accepted 120 and restated 0",
    ]
    assert (
        "period 2026-03 re-settles 84 events from its event files, it rated 134 when it closed"
        in problems
    )


@pytest.fixture
def seal_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, "kept-apart-from-the-books")
    return "kept-apart-from-the-books"


def test_with_a_key_seals_recomputed_without_it_are_caught(books: Books, seal_key: str) -> None:
    close_march(books)
    sealed = json.loads((books.root / "seals" / "2026-03.json").read_text())
    assert sealed["hmac"] and len(sealed["hmac"]) == 64
    # the attacker edits a figure, then recomputes the seal, its row and its file (no key)
    _sql(books, "UPDATE contract_settlements SET usage = usage + 1000 WHERE contract = 'C2'")
    body = sealed["seal"]
    body["settlements"]["C2|2026-03"]["usage"] = "1170.00"
    forged = canonical(body)
    digest = hashlib.sha256(forged.encode()).hexdigest()
    _sql(books, "UPDATE seals SET body = :b, hash = :h", b=forged, h=digest)
    sealed |= {"seal": json.loads(forged), "hash": digest}
    (books.root / "seals" / "2026-03.json").write_text(json.dumps(sealed))
    assert caught(books) == [
        "seals row 2026-03: its HMAC does not verify under the seal key (it was recomputed "
        "without the key)"
    ]


def test_the_same_forgery_without_a_key_needs_the_seal_file_too(books: Books) -> None:
    close_march(books)
    _sql(books, "UPDATE contract_settlements SET usage = usage + 1000 WHERE contract = 'C2'")
    sealed = json.loads((books.root / "seals" / "2026-03.json").read_text())
    body = sealed["seal"]
    body["settlements"]["C2|2026-03"]["usage"] = "1170.00"
    forged = canonical(body)
    _sql(books, "UPDATE seals SET body = :b, hash = :h", b=forged,
         h=hashlib.sha256(forged.encode()).hexdigest())  # fmt: skip
    assert caught(books) == ["seals/2026-03.json differs from the seals row of 2026-03"]


def test_init_seals_books_closed_before_seals_existed_and_nothing_else(books: Books) -> None:
    close_march(books)
    books.tampered = True
    sealed = books.root / "seals" / "2026-03.json"
    first = json.loads(sealed.read_text())
    sealed.unlink()
    assert caught(books) == ["seals/2026-03.json is missing (the seal of 2026-03 is kept there)"]
    books.ok("init")  # a seal row remains: nothing is re-sealed
    assert not sealed.exists()
    _sql(books, "DELETE FROM seals")  # now the books look as if closed before seals existed
    assert caught(books) == ["periods row 2026-03 is closed but has no seal"]
    books.ok("init")
    again = json.loads(sealed.read_text())
    assert again["seal"]["settlements"] == first["seal"]["settlements"]
    assert again["seal"]["journal"] == first["seal"]["journal"]
    books.tampered = False


def test_a_key_file_named_in_the_workspace_settings(books: Books) -> None:
    key = books.files / "keys" / "seal.key"
    key.parent.mkdir()
    key.write_text("a key on another volume\n")
    settings = books.root / "workspace.toml"
    settings.write_text(f'seal_key_file = "{key}"\n' + settings.read_text())
    close_march(books)
    sealed = json.loads((books.root / "seals" / "2026-03.json").read_text())
    expected = hmac.new(b"a key on another volume", sealed["hash"].encode(), "sha256")
    assert sealed["hmac"] == expected.hexdigest()
    books.tampered = True
    key.write_text("another key\n")
    assert caught(books) == [
        "seals row 2026-03: its HMAC does not verify under the seal key (it was recomputed "
        "without the key)"
    ]
    key.unlink()
    message = books.refused("audit", "verify")
    assert message == f"error: {key}: the seal key file cannot be read (No such file or directory)"


def test_a_seal_file_left_by_an_interrupted_close_is_replaced_by_the_next(books: Books) -> None:
    close_march(books)
    books.ok("settle", "run", "2026-04")
    march = json.loads((books.root / "seals" / "2026-03.json").read_text())
    head = int(str(_scalar(books, "SELECT max(seq) FROM journal_entries")))
    body = march["seal"] | {"period": "2026-04", "position": 2, "prev": march["hash"]}
    body["journal"] = {"seq": head + 1, "hash": "f" * 64}  # the close's entries never committed
    left = books.root / "seals" / "2026-04.json"
    left.write_text(json.dumps({"seal": body, "hash": "0" * 64, "hmac": None}))
    assert books.ok("audit", "verify")["ok"] is True
    books.ok("settle", "close", "2026-04")
    replaced = json.loads(left.read_text())
    assert replaced["hash"] == _scalar(books, "SELECT hash FROM seals WHERE period = '2026-04'")
    assert replaced["seal"]["journal"]["seq"] > head
    # a seal file that no interrupted close explains is reported
    books.tampered = True
    stray = books.root / "seals" / "2026-05.json"
    stray.write_text(json.dumps({"seal": body | {"period": "2026-05"}, "hash": "", "hmac": None}))
    assert caught(books) == [
        "seals/2026-05.json has no seals row (the seal of 2026-05 was removed from the database)"
    ]


def _checked_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Record the process id of every integrity check (a forked check inherits the patch)."""
    from ledger import audit, integrity

    pids = tmp_path / "checked-in"
    real = audit.tampering

    def recorded(*args: object, **kwargs: object) -> list[str]:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(integrity.audit, "tampering", recorded)
    return pids


def test_the_integrity_check_runs_beside_the_settlement_once_a_period_is_sealed(
    books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pids = _checked_in(monkeypatch, tmp_path)
    fixtures.load(books)
    books.ok("ingest", books.write("many.csv", _many(12)), "--brand", "b1")
    books.ok("settle", "run", "2026-03")  # nothing sealed yet: checked here, first
    assert pids.read_text().split() == [str(os.getpid())]
    books.ok("settle", "close", "2026-03")  # the first seal is made by this close
    assert pids.read_text().split() == [str(os.getpid())] * 2
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    beside = pids.read_text().split()[2:]
    assert len(beside) == 2 and str(os.getpid()) not in beside


def test_a_refusal_of_the_settlement_gives_way_to_a_failed_integrity_check(books: Books) -> None:
    close_march(books)
    assert books.refused("settle", "run", "2026-03").startswith("error: period 2026-03 is closed;")
    _sql(books, "UPDATE contract_settlements SET usage = usage + 1000")
    # the settlement's own refusal (the period is closed) comes while the check still runs
    assert books.refused("settle", "run", "2026-03").startswith(
        "error: the books fail their integrity check, nothing was settled: contract_settlements "
        "row (2026-03, C1, 2026-03): usage is 19886.14"
    )


def test_a_forked_check_that_does_not_report_is_run_again_here(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import integrity

    close_march(books)
    monkeypatch.setattr(integrity, "_check", lambda workspace, report: os._exit(3))
    books.ok("settle", "run", "2026-04")
    _sql(books, "UPDATE contract_settlements SET usage = usage + 1000")
    assert books.refused("settle", "run", "2026-04").startswith(
        "error: the books fail their integrity check, nothing was settled: contract_settlements "
        "row (2026-03, C1, 2026-03): usage is 19886.14"
    )
