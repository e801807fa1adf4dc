"""Contract terms settled through the ledger, with figures computed by hand in each test."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tests import shared
from tests.conftest import Books

PARTIES = """
    [[agencies]]
    id = "north"
    name = "North Agency"
    currency = "SEK"
    commission = "0.20"

    [[talents]]
    id = "mia"
    name = "Mia Brandt"
    agency = "north"
    payout_currency = "GBP"

    [[talents]]
    id = "ola"
    name = "Ola Nordmann"
    payout_currency = "EUR"
    min_payout = "500.00"

    [[brands]]
    id = "eu"
    name = "Euro Brand"
    currency = "EUR"

    [[brands]]
    id = "jp"
    name = "Tokyo Brand"
    currency = "JPY"

    [[brands]]
    id = "bh"
    name = "Manama Brand"
    currency = "BHD"

    [[twins]]
    id = "mia-1"
    talent = "mia"

    [[twins]]
    id = "ola-1"
    talent = "ola"
"""

FX = """
    Date,USD,JPY,GBP,SEK,BHD,
    2026-04-30,1.0800,163.10,0.86200,11.3000,0.4070,
    2026-03-31,1.0820,162.87,0.86010,11.2815,0.4079,
"""

HEADER = shared.HEADER


def contract(cid: str, brand: str, twin: str, currency: str, rates: str, extra: str = "") -> str:
    return f"""
        id = "{cid}"
        brand = "{brand}"
        twin = "{twin}"
        currency = "{currency}"
        start = 2026-03-01
        end = 2026-12-31
        territories = ["WORLD"]
        channels = ["*"]
        {extra}
        {rates}
    """


def publications(twin: str, prefix: str, days: list[int], month: int = 3) -> str:
    rows = [HEADER]
    for n, day in enumerate(days, start=1):
        rows.append(
            f"{prefix}{n},2026-{month:02d}-{day:02d}T12:00:00Z,publication,{twin},a1,social,GB,"
            "still,,true"
        )
    return "\n".join(rows) + "\n"


def setup(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok("fx", "import", books.write("fx.csv", FX))


def test_an_amendment_changes_a_rate_mid_month(books: Books) -> None:
    setup(books)
    rates = '[[rates]]\nmetric = "publications"\nprice = "100.00"\n'
    amendment = (
        "[[amendments]]\neffective = 2026-03-16\n"
        '[[amendments.rates]]\nmetric = "publications"\nprice = "120.00"\n'
    )
    books.ok(
        "contracts",
        "import",
        books.write("c.toml", contract("EU-1", "eu", "ola-1", "EUR", rates + amendment)),
    )
    books.ok(
        "ingest",
        books.write("eu.csv", publications("ola-1", "p", [2, 10, 15, 16, 31])),
        "--brand",
        "eu",
    )
    books.ok("settle", "run", "2026-03")
    [c] = books.ok("statements", "data", "2026-03", "--party", "ola")["contracts"]
    # 1-15 March at 100.00: 3 uses = 300.00; from 16 March at 120.00: 2 uses = 240.00
    assert sorted((ln["line_id"], ln["quantity"], ln["amount"]) for ln in c["lines"]) == [
        ("2026-03:EU-1:v0:r1", "3", "300.00"),
        ("2026-03:EU-1:v1:r1", "2", "240.00"),
    ]
    assert c["usage"] == "540.00"


def _convert(amount: str, from_per_eur: str, to_per_eur: str, quantum: str) -> Decimal:
    return (Decimal(amount) * Decimal(to_per_eur) / Decimal(from_per_eur)).quantize(
        Decimal(quantum), rounding=ROUND_HALF_EVEN
    )


def test_eur_and_jpy_contracts_paid_in_gbp_with_agency_in_sek(books: Books) -> None:
    setup(books)
    books.write(
        "c/EU-2.toml",
        contract(
            "EU-2", "eu", "mia-1", "EUR", '[[rates]]\nmetric = "publications"\nprice = "250.00"\n'
        ),
    )
    books.write(
        "c/JP-2.toml",
        contract(
            "JP-2", "jp", "mia-1", "JPY", '[[rates]]\nmetric = "publications"\nprice = "37500"\n'
        ),
    )
    books.ok("contracts", "import", books.files / "c")
    books.ok(
        "ingest", books.write("eu.csv", publications("mia-1", "e", [3, 4, 5, 6])), "--brand", "eu"
    )
    books.ok(
        "ingest", books.write("jp.csv", publications("mia-1", "j", [7, 8, 9, 10])), "--brand", "jp"
    )
    books.ok("settle", "run", "2026-03")
    mia = books.ok("statements", "data", "2026-03", "--party", "mia")
    eu, jp = sorted(mia["contracts"], key=lambda c: c["currency"])
    # EUR: 4 x 250.00 = 1000.00; commission 200.00; net 800.00
    assert (eu["usage"], eu["commission"], eu["talent_net"]) == ("1000.00", "200.00", "800.00")
    # JPY: 4 x 37500 = 150000; commission 30000; net 120000
    assert (jp["usage"], jp["commission"], jp["talent_net"]) == ("150000", "30000", "120000")
    # rates of 31 March: 1 EUR = 0.86010 GBP = 11.2815 SEK = 162.87 JPY
    eur_gbp = _convert("800.00", "1", "0.86010", "0.01")  # 688.08
    jpy_gbp = _convert("120000", "162.87", "0.86010", "0.01")  # 633.7078... -> 633.71
    assert (eur_gbp, jpy_gbp) == (Decimal("688.08"), Decimal("633.71"))
    assert (eu["talent_net_payout"], jp["talent_net_payout"]) == ("688.08", "633.71")
    assert mia["summary"]["payable"] == "1321.79"
    agency = books.ok("statements", "data", "2026-03", "--party", "north")
    eur_sek = _convert("200.00", "1", "11.2815", "0.01")  # 2256.30
    jpy_sek = _convert("30000", "162.87", "11.2815", "0.01")  # 2078.0088... -> 2078.01
    assert agency["summary"]["payable"] == str(eur_sek + jpy_sek) == "4334.31"
    # converting back at the same rates gives each amount within one minor unit
    back_eur = Decimal("688.08") / Decimal("0.86010")
    back_jpy = Decimal("633.71") * Decimal("162.87") / Decimal("0.86010")
    assert abs(back_eur - Decimal("800.00")) <= Decimal("0.01")
    assert abs(back_jpy - Decimal("120000")) <= Decimal("1")
    books.ok("settle", "close", "2026-03")
    balances = {
        (a["account"], a["currency"]): a["balance"] for a in books.ok("balances")["accounts"]
    }
    # each share leaves its contract currency through fx:clearing and arrives converted
    assert {k[1]: v for k, v in balances.items() if k[0] == "fx:clearing"} == {
        "EUR": "-1000.00",  # 800.00 talent + 200.00 commission
        "JPY": "-150000",  # 120000 talent + 30000 commission
        "GBP": "1321.79",  # 688.08 + 633.71 to the talent
        "SEK": "4334.31",  # 2256.30 + 2078.01 to the agency
    }


def test_missing_rate_refuses_the_settlement_naming_currency_and_date(books: Books) -> None:
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.ok(
        "fx",
        "import",
        books.write(
            "fx.csv",
            """
        Date,JPY,GBP,
        2026-03-31,N/A,0.86010,
    """,
        ),
    )
    books.ok(
        "contracts",
        "import",
        books.write(
            "c.toml",
            contract(
                "JP-3", "jp", "mia-1", "JPY", '[[rates]]\nmetric = "publications"\nprice = "1000"\n'
            ),
        ),
    )
    books.ok("ingest", books.write("jp.csv", publications("mia-1", "j", [3])), "--brand", "jp")
    message = books.refused("settle", "run", "2026-03")
    assert "JPY" in message and "2026-03-31" in message
    assert books.ok("settle", "status", "2026-03") == {"period": "2026-03", "status": "open"}


def test_balance_below_min_payout_is_carried_then_paid_when_it_crosses(books: Books) -> None:
    setup(books)
    books.ok(
        "contracts",
        "import",
        books.write(
            "c.toml",
            contract(
                "EU-4",
                "eu",
                "ola-1",
                "EUR",
                '[[rates]]\nmetric = "publications"\nprice = "150.00"\n',
            ),
        ),
    )
    books.ok("ingest", books.write("m3.csv", publications("ola-1", "m", [3, 4])), "--brand", "eu")
    books.ok(
        "ingest",
        books.write("m4.csv", publications("ola-1", "n", [2, 3], month=4)),
        "--brand",
        "eu",
    )
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    march = books.ok("statements", "data", "2026-03", "--party", "ola")["summary"]
    # 2 x 150.00 = 300.00, no agency, below the 500.00 minimum: carried forward
    assert (march["balance"], march["carried_forward"], march["payable"]) == (
        "300.00",
        "300.00",
        "0.00",
    )
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    april = books.ok("statements", "data", "2026-04", "--party", "ola")["summary"]
    assert (
        april["opening_balance"],
        april["net_this_period"],
        april["balance"],
        april["carried_forward"],
        april["payable"],
    ) == ("300.00", "300.00", "600.00", "0.00", "600.00")
    with books.workspace.engine.connect() as conn:
        payouts = conn.exec_driver_sql(
            "SELECT e.period, p.debit FROM postings p JOIN journal_entries e ON e.seq = p.entry_seq"
            " WHERE e.kind = 'payout' AND p.account = 'talent:ola:payable'"
        ).fetchall()
    assert [(period, Decimal(str(debit))) for period, debit in payouts] == [
        ("2026-04", Decimal("600.00"))
    ]
    balances = {
        (a["account"], a["currency"]): a["balance"] for a in books.ok("balances")["accounts"]
    }
    assert balances[("talent:ola:payable", "EUR")] == "0.00"


def test_bhd_contract_rounds_to_three_decimals(books: Books) -> None:
    setup(books)
    books.ok(
        "contracts",
        "import",
        books.write(
            "c.toml",
            contract(
                "BH-1",
                "bh",
                "mia-1",
                "BHD",
                '[[rates]]\nmetric = "publications"\nprice = "1.2345"\n',
            ),
        ),
    )
    books.ok(
        "ingest", books.write("bh.csv", publications("mia-1", "b", [3, 4, 5])), "--brand", "bh"
    )
    books.ok("settle", "run", "2026-03")
    [c] = books.ok("statements", "data", "2026-03", "--party", "mia")["contracts"]
    # 3 x 1.2345 = 3.7035 -> 3.704 (half even); commission 20% = 0.7408 -> 0.741
    assert (c["usage"], c["commission"], c["withholding"], c["talent_net"]) == (
        "3.704",
        "0.741",
        "0.000",
        "2.963",
    )
    # in GBP at 0.86010 / 0.4079 per BHD: 2.963 x 2.10860... = 6.2478... -> 6.25
    assert c["talent_net_payout"] == str(_convert("2.963", "0.4079", "0.86010", "0.01"))
