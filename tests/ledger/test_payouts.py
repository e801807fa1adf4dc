"""Payout runs of a closed month: the pain.001 file, the manual list, the journal moves, and the
refusals (SPEC 4.4, 6)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from sepaxml import validation
from sqlalchemy import text

from ledger.payouts.files import parse_sepa
from ledger.payouts.plan import END_TO_END_MAX, Payable, end_to_end_id, plan
from ledger.payouts.service import confirm
from tests.conftest import Books
from tests.ledger.demo_books import settle_demo

PAYER = ("Twin Clearing GmbH", "--iban", "DE89 3704 0044 0532 0130 00", "--bic", "COBADEFFXXX")
BANK = "bank:de89370400440532013000"
SEPA = {  # the EUR payees with an IBAN in sample_data/parties.toml, as their statements say
    "ST-2026-10-A-athena": ("642.21", "AT611904300234573201"),
    "ST-2026-10-T-zoe-l": ("2669.46", "DE44500105175407324931"),
}
NOT_EUR = "paid in {}: SEPA credit transfers are in EUR only"
MANUAL = [
    ("ST-2026-10-A-nordlys", "SEK", "33128.85", NOT_EUR.format("SEK")),
    ("ST-2026-10-T-anna-k", "GBP", "2691.11", NOT_EUR.format("GBP")),
    ("ST-2026-10-T-liv-s", "SEK", "102400.14", NOT_EUR.format("SEK")),
    ("ST-2026-10-T-sofia-p", "EUR", "3275.27", "talent sofia-p has no IBAN"),
]
TOTALS = {"EUR": Decimal("6586.94"), "GBP": Decimal("2691.11"), "SEK": Decimal("135528.99")}


def _balances(books: Books) -> dict[tuple[str, str], Decimal]:
    rows = books.ok("balances")["accounts"]
    return {(r["account"], r["currency"]): Decimal(r["balance"]) for r in rows}


def _verified(books: Books) -> None:
    result = books.ok("audit", "verify")
    assert result["ok"], result["problems"]


def _payable(books: Books, party: str) -> Decimal:
    return Decimal(
        books.ok("statements", "data", "2026-10", "--party", party)["summary"]["payable"]
    )


def test_a_payout_run_pays_a_closed_month_once_until_cancelled_then_confirmed(books: Books) -> None:
    settle_demo(books)
    books.ok("payer", "set", *PAYER)
    before = _balances(books)
    out = books.files / "bank"
    execution = (date.today() + timedelta(days=3)).isoformat()
    run = books.ok("payouts", "create", "2026-10", "--out", out, "--execution-date", execution)
    assert (run["run"], run["state"], run["execution_date"]) == (
        "PR-2026-10-1",
        "created",
        execution,
    )
    _verified(books)

    xml = (out / "PR-2026-10-1.xml").read_bytes()
    schema = Path(validation.__file__).parent / "schemas" / "pain.001.001.03.xsd"
    xmlschema.XMLSchema(str(schema)).validate(xml.decode())  # raises when invalid
    transfers = parse_sepa(xml)
    assert {t["end_to_end_id"]: (t["amount"], t["iban"]) for t in transfers} == SEPA
    assert {t["currency"] for t in transfers} == {"EUR"}
    tree = xmlschema.XMLSchema(str(schema)).to_dict(xml.decode())
    header = tree["CstmrCdtTrfInitn"]["GrpHdr"]
    assert header["MsgId"] == "PR-2026-10-1"
    assert header["NbOfTxs"] == "2" == str(run["sepa"]["transactions"])
    eur_payables = _payable(books, "athena") + _payable(books, "zoe-l")
    assert Decimal(str(header["CtrlSum"])) == Decimal("3311.67") == eur_payables
    assert run["sepa"]["control_sum"] == "3311.67"

    with (out / "PR-2026-10-1-manual.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    manual = [(r["statement"], r["currency"], r["amount"], r["reason"]) for r in rows]
    assert manual == MANUAL
    assert Decimal("3275.27") == _payable(books, "sofia-p")

    created = _balances(books)
    for ccy, total in TOTALS.items():
        assert created[("payouts:due", ccy)] - before[("payouts:due", ccy)] == total
        assert created[("payouts:in-transit", ccy)] == -total
    assert {k: Decimal(v) for k, v in run["totals"].items()} == TOTALS

    assert books.refused("payouts", "create", "2026-10", "--out", out) == (
        "error: period 2026-10 already has payout run PR-2026-10-1 (created); cancel it "
        "before creating another"
    )
    assert books.ok("payouts", "cancel", "PR-2026-10-1")["state"] == "cancelled"
    _verified(books)
    assert books.ok("payouts", "create", "2026-10", "--out", out)["run"] == "PR-2026-10-2"
    _verified(books)
    runs = books.ok("payouts", "list")["runs"]
    assert [(r["run"], r["state"]) for r in runs] == [
        ("PR-2026-10-1", "cancelled"),
        ("PR-2026-10-2", "created"),
    ]
    assert runs[0]["cancelled_at"] is not None
    assert sorted(p.name for p in out.iterdir()) == [
        "PR-2026-10-1-manual.csv", "PR-2026-10-1.xml", "PR-2026-10-2-manual.csv", "PR-2026-10-2.xml"
    ]  # fmt: skip
    with books.workspace.engine.connect() as conn:
        query = (
            "SELECT kind, reference FROM journal_entries WHERE kind LIKE 'payout_run%' ORDER BY seq"
        )
        trail = conn.execute(text(query)).all()
    assert [tuple(r) for r in trail] == [
        ("payout_run", "PR-2026-10-1"),
        ("payout_run_cancel", "PR-2026-10-1:cancel"),
        ("payout_run", "PR-2026-10-2"),
    ]
    assert books.refused("payouts", "confirm", "PR-2026-10-1") == (
        "error: payout run PR-2026-10-1 is cancelled; only a created run can be confirmed"
    )
    assert _balances(books) == created  # cancel and create again: the same amounts in transit

    confirmed = books.ok(
        "payouts", "confirm", "PR-2026-10-2", "--paid-on", date.today().isoformat()
    )
    assert (confirmed["state"], confirmed["paid_on"]) == ("confirmed", date.today().isoformat())
    _verified(books)
    paid = _balances(books)
    for ccy, total in TOTALS.items():
        assert paid[("payouts:in-transit", ccy)] == 0
        assert paid[(BANK, ccy)] == -total
    assert paid[("payouts:due", "EUR")] == created[("payouts:due", "EUR")]  # 2026-09 still due
    assert books.refused("payouts", "cancel", "PR-2026-10-2") == (
        "error: payout run PR-2026-10-2 is confirmed; only a created run can be cancelled"
    )


def test_refusals_write_nothing_and_a_bad_stored_iban_is_paid_by_hand(books: Books) -> None:
    settle_demo(books, ("2026-09",))
    out = books.files / "bank"
    assert books.refused("payouts", "create", "2026-09", "--out", out) == (
        f"error: {books.root / 'workspace.toml'}: no [payer] (name, iban, bic): the account "
        "that pays is not set"
    )
    bad = books.refused("payer", "set", "Twin", "--iban", "DE89370400440532013001")
    assert bad == (
        "error: payer iban: 'DE89370400440532013001' is not a valid IBAN: invalid checksum digits"
    )
    books.ok("payer", "set", *PAYER)
    assert books.refused("payouts", "create", "2026-10", "--out", out) == (
        "error: period 2026-10 is not closed; only a closed period is paid"
    )
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert books.refused("payouts", "create", "2026-09", "--execution-date", yesterday) == (
        f"error: execution date {yesterday} is in the past (today is {date.today()})"
    )
    assert books.refused("payouts", "create", "2026-09", "--execution-date", "soon") == (
        "error: --execution-date 'soon' is not a date (YYYY-MM-DD)"
    )
    assert books.refused("payouts", "confirm", "PR-2026-09-7") == (
        "error: unknown payout run 'PR-2026-09-7'"
    )
    assert not out.exists()
    assert books.ok("payouts", "list") == {"runs": []}
    with books.workspace.engine.begin() as conn:
        conn.execute(text("UPDATE talents SET iban = 'DE44500105175407324932' WHERE id = 'zoe-l'"))
    run = books.ok("payouts", "create", "2026-09", "--out", books.files / "bank")
    zoe = next(t for t in run["transfers"] if t["party"] == "zoe-l")
    assert (zoe["method"], zoe["reason"]) == (
        "manual",
        "talent zoe-l iban: 'DE44500105175407324932' is not a valid IBAN: invalid checksum digits",
    )
    assert [t["party"] for t in run["transfers"] if t["method"] == "sepa"] == ["athena"]

    later, paid = date.today() + timedelta(days=9), date.today() + timedelta(days=7)
    assert books.refused("payouts", "confirm", run["run"], "--paid-on", paid.isoformat()) == (
        f"error: paid on {paid} is in the future (today is {date.today()})"
    )
    confirm(books.workspace, run["run"], paid, today=later)  # confirmed days after the bank paid
    paid_on = paid.isoformat()
    exported = books.files / "september.csv"
    books.ok("journal", "export", "--period", "2026-09", "--format", "csv", "--out", exported)
    with exported.open(encoding="utf-8", newline="") as handle:
        booked = {r["date"] for r in csv.DictReader(handle) if r["document"] == run["run"]}
    assert booked == {date.today().isoformat(), paid_on}  # the confirmation on the day paid
    settle_demo(books, ("2026-10",), imported=True)  # the next month shows the payout as paid
    october = books.ok("statements", "data", "2026-10", "--party", "zoe-l")
    assert october["previous_payout"] == {
        "period": "2026-09",
        "statement": "ST-2026-09-T-zoe-l",
        "run": "PR-2026-09-1",
        "amount": zoe["amount"],
        "currency": "EUR",
        "paid_on": paid_on,
    }
    assert set(october["summary"]) >= {"opening_balance", "balance", "carried_forward", "payable"}
    september = books.ok("statements", "data", "2026-09", "--party", "zoe-l")
    assert "previous_payout" in september and september["previous_payout"] is None

    books.tampered = True  # a run altered outside twinledger is found
    with books.workspace.engine.begin() as conn:
        conn.execute(text('UPDATE payout_runs SET totals = \'{"EUR": "1.00"}\''))
    problems = books.cli("audit", "verify", "--json").json["problems"]
    assert "payout_runs row PR-2026-09-1: its totals differ from its transfers" in problems
    assert any("does not move the totals of payout run PR-2026-09-1" in p for p in problems)


def test_a_bad_iban_in_the_parties_file_is_refused_naming_party_and_field(books: Books) -> None:
    parties = books.write(
        "parties.toml",
        """
        [[agencies]]
        id = "athena"
        name = "Athena Models"
        currency = "EUR"
        commission = "0.15"
        iban = "AT61 1904 3002 3457 3202"

        [[talents]]
        id = "zoe-l"
        name = "Zoë"
        payout_currency = "EUR"
        bic = "NOTABIC"
        """,
    )
    message = books.refused("parties", "import", parties)
    assert message == (
        f"error: {parties}: agencies[1] athena: iban: 'AT61 1904 3002 3457 3202' is not a valid "
        "IBAN: invalid checksum digits (and 1 more problem(s))"
    )
    with books.workspace.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM agencies")).scalar_one()
        stored += conn.execute(text("SELECT count(*) FROM talents")).scalar_one()
    assert stored == 0


def test_end_to_end_ids_fit_pain_001() -> None:
    assert end_to_end_id("ST-2026-10-T-liv-s") == "ST-2026-10-T-liv-s"
    long = "ST-2026-10-T-" + "a" * 40
    short = end_to_end_id(long)
    assert len(short) == END_TO_END_MAX
    assert short.startswith("ST-2026-10-T-aaaaaaaaaaaaa-")
    assert short != end_to_end_id(long + "b")


def test_the_plan_sends_only_eur_payees_with_a_sepa_iban_to_the_file() -> None:
    def payable(party: str, currency: str, amount: str, iban: str | None) -> Payable:
        return Payable(f"ST-2026-10-T-{party}", "talent", party, party.title(), currency,
                       Decimal(amount), iban, None)  # fmt: skip

    the_plan = plan(
        "2026-10",
        [
            payable("de", "EUR", "10.00", "DE44500105175407324931"),
            payable("br", "EUR", "20.00", "BR1800360305000010009795493C1"),
            payable("bad", "EUR", "30.00", "DE44500105175407324932"),
            payable("none", "EUR", "40.00", None),
            payable("se", "SEK", "50.00", "SE4550000000058398257466"),
            payable("zero", "EUR", "0.00", "DE44500105175407324931"),
        ],
    )
    assert [(t.payable.party_id, t.method, t.reason) for t in the_plan.transfers] == [
        ("bad", "manual", "talent bad iban: 'DE44500105175407324932' is not a valid IBAN: "
                          "invalid checksum digits"),
        ("br", "manual", "talent br iban: BR1800360305000010009795493C1 is outside the SEPA zone"),
        ("de", "sepa", None),
        ("none", "manual", "talent none has no IBAN"),
        ("se", "manual", "paid in SEK: SEPA credit transfers are in EUR only"),
    ]  # fmt: skip
    assert the_plan.totals == {"EUR": Decimal("100.00"), "SEK": Decimal("50.00")}


def test_a_month_closed_before_payout_runs_is_not_paid_again(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.settlement import postings

    monkeypatch.setattr(postings, "PAYOUTS_DUE", "bank:payouts")  # how closes used to post
    settle_demo(books, ("2026-09",))
    monkeypatch.undo()
    books.ok("payer", "set", *PAYER)
    assert books.refused("payouts", "create", "2026-09") == (
        "error: period 2026-09 was closed before payout runs: its close posted the payables "
        "as paid (bank:payouts)"
    )


def test_a_bad_payer_in_workspace_toml_is_refused_naming_the_key(books: Books) -> None:
    settings = books.root / "workspace.toml"
    with settings.open("a", encoding="utf-8") as handle:
        handle.write('\n[payer]\nname = "Twin Clearing GmbH"\niban = "DE89370400440532013001"\n')
    assert books.refused("payouts", "create", "2026-09") == (
        f"error: {settings}: [payer] iban: 'DE89370400440532013001' is not a valid IBAN: "
        "invalid checksum digits"
    )
    books.workspace.set_payer("Twin Clearing GmbH", "DE89370400440532013000", None)
    assert books.refused("payouts", "create", "2026-09") == (
        "error: period 2026-09 is not closed; only a closed period is paid"
    )
    text_now = settings.read_text(encoding="utf-8")
    assert text_now.count("[payer]") == 1 and 'iban = "DE89370400440532013000"' in text_now
