"""Refusals exit 1 with one line naming the problem, never a traceback (SPEC 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.cli import app
from tests.conftest import Books
from tests.ledger import fixtures


def test_contract_with_unknown_party_is_refused(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    path = books.write("bad.toml", fixtures.C1.replace('brand = "b1"', 'brand = "nobody"'))
    message = books.refused("contracts", "import", path)
    assert "bad.toml" in message and "contract C1" in message and "brand" in message
    assert "unknown brand 'nobody'" in message
    assert books.ok("contracts", "list") == {"contracts": []}


def test_validate_lists_every_problem_and_refuses_in_one_line(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    bad = fixtures.C1.replace('brand = "b1"', 'brand = "nobody"').replace('"EUR"', '"XXX"')
    path = books.write("bad.toml", bad)
    message = books.refused("contracts", "validate", path)
    assert message.endswith("unknown brand 'nobody' (and 1 more problem(s))")
    listed = books.cli("contracts", "validate", path)
    assert listed.stdout.splitlines() == [
        f"{path}: contract C1: brand: unknown brand 'nobody'",
        f"{path}: contract C1: currency: 'XXX' is not an ISO 4217 currency code",
    ]
    found = books.cli("contracts", "validate", path, "--json")
    assert found.exit_code == 1
    assert found.json == {
        "valid": False,
        "problems": [
            {
                "file": str(path),
                "record": "contract C1",
                "field": "brand",
                "message": "unknown brand 'nobody'",
            },
            {
                "file": str(path),
                "record": "contract C1",
                "field": "currency",
                "message": "'XXX' is not an ISO 4217 currency code",
            },
        ],
    }


def test_overlapping_contracts_are_refused(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    books.ok("contracts", "import", books.write("C1.toml", fixtures.C1))
    overlap = (
        fixtures.C1.replace('id = "C1"', 'id = "C1b"')
        .replace("start = 2026-01-01", "start = 2026-06-01")
        .replace("end = 2026-12-31", "end = 2027-05-31")
    )
    message = books.refused("contracts", "import", books.write("C1b.toml", overlap))
    assert "C1b.toml" in message and "overlaps contract C1" in message
    assert [c["id"] for c in books.ok("contracts", "list")["contracts"]] == ["C1"]


def test_changed_contract_needs_amend_and_becomes_a_revision(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", fixtures.PARTIES))
    path = books.write("C1.toml", fixtures.C1)
    assert books.ok("contracts", "import", path)["imported"] == ["C1"]
    assert books.ok("contracts", "import", path)["unchanged"] == ["C1"]
    changed = books.write("C1.toml", fixtures.C1.replace('"150.00"', '"160.00"'))
    assert "import it as an amendment to store revision 2" in books.refused(
        "contracts", "import", changed
    )
    assert books.ok("contracts", "import", changed, "--amend")["amended"] == ["C1"]
    [listed] = books.ok("contracts", "list")["contracts"]
    assert listed["revision"] == 2


def test_log_missing_a_required_column_is_refused_and_stores_nothing(books: Books) -> None:
    fixtures.load(books)
    before = books.ok("batches", "list")
    log = books.write(
        "nocol.csv",
        """
        event_id,occurred_at,kind,asset_id
        e1,2026-03-02T10:00:00Z,render,a1
    """,
    )
    message = books.refused("ingest", log, "--brand", "b1")
    assert "nocol.csv" in message and "twin_id" in message and "line 1" in message
    assert books.ok("batches", "list") == before


def test_closed_period_refuses_rerun_and_close_and_changes_nothing(books: Books) -> None:
    fixtures.load(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    before = books.digest()
    assert "period 2026-03 is closed" in books.refused("settle", "run", "2026-03")
    assert "period 2026-03 is closed" in books.refused("settle", "close", "2026-03")
    assert "precedes closed period 2026-03" in books.refused("settle", "run", "2026-02")
    assert books.digest() == before


def test_close_requires_a_current_draft_and_earlier_months_closed(books: Books) -> None:
    fixtures.load(books)
    assert "has no draft" in books.refused("settle", "close", "2026-03")
    books.ok("settle", "run", "2026-04")
    assert "2026-03 has usage and is not closed" in books.refused("settle", "close", "2026-04")
    books.ok("settle", "run", "2026-03")
    late = books.write(
        "late.csv", fixtures.HEADER + "\nq1,2026-03-09T10:00:00Z,render,w1,a2,,,still,,\n"
    )
    books.ok("ingest", late, "--brand", "b1")
    assert "changed since its draft" in books.refused("settle", "close", "2026-03")


@pytest.mark.parametrize(
    "args",
    [
        ["settle", "run", "2026-13"],
        ["exceptions", "2026-03"],
        ["statements", "data", "2026-03", "--party", "t1"],
        ["ingest", "missing.csv", "--brand", "b1"],
        ["ingest", "missing.csv", "--brand", "nobody"],
        ["explain", "not-a-line"],
    ],
)
def test_bad_arguments_get_one_line(books: Books, args: list[str]) -> None:
    fixtures.load(books)
    assert books.refused(*args)


def test_usage_error_exits_2(books: Books) -> None:
    assert books.cli("settle", "run").exit_code == 2
    assert books.cli("no-such-command").exit_code == 2


def test_not_a_workspace(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "batches", "list"])
    assert result.exit_code == 1
    assert "not a twinledger workspace" in result.stderr


PERIOD_COMMANDS = [
    ["settle", "run"],
    ["settle", "close"],
    ["settle", "status"],
    ["settle", "reopen"],
    ["exceptions"],
    ["statements", "render"],
    ["statements", "data", "--party", "t1"],
    ["reconcile", "--agency", "ag"],
    [
        "adjust",
        "--party",
        "t1",
        "--amount",
        "5.00",
        "--currency",
        "EUR",
        "--reason",
        "x",
        "--by",
        "y",
    ],
]


@pytest.mark.parametrize("text", ["2026-03\n", "2026-3", "0000-01", "2026-13"])
def test_a_text_that_is_not_a_period_is_refused_by_every_command(books: Books, text: str) -> None:
    fixtures.load(books)
    before = books.digest()
    for command in PERIOD_COMMANDS:
        name = command[:2] if command[0] in ("settle", "statements") else command[:1]
        args = [*name, text, *command[len(name) :]]
        message = books.refused(*args)
        assert message.endswith(f"{text!r} is not a period; expected YYYY-MM, e.g. 2026-03"), args
    assert books.digest() == before
