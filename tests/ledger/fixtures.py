"""A small hand-computable ledger: two brands, two talents, one agency, one month (2026-03)."""

from __future__ import annotations

from tests import shared
from tests.conftest import Books

PARTIES = """
    [[agencies]]
    id = "ag"
    name = "Agence Étoile"
    currency = "EUR"
    commission = "0.20"

    [[talents]]
    id = "t1"
    name = "Zoë Łukasiewicz"
    agency = "ag"
    payout_currency = "EUR"
    withholding_rate = "0.10"

    [[talents]]
    id = "t2"
    name = "Анна"
    agency = "ag"
    payout_currency = "EUR"
    min_payout = "1000.00"

    [[brands]]
    id = "b1"
    name = "Smith & Sons <Ltd>"
    currency = "EUR"
    category = "apparel"

    [[brands]]
    id = "b2"
    name = "Σοφία Beauty"
    currency = "EUR"
    category = "beauty"

    [[twins]]
    id = "w1"
    talent = "t1"

    [[twins]]
    id = "w2"
    talent = "t2"
"""

C1 = """
    id = "C1"
    brand = "b1"
    twin = "w1"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["SE", "NO"]
    channels = ["social", "web"]
    unauthorized_use_multiplier = "0.5"

    [[rates]]
    metric = "publications"
    channel = "social"
    price = "150.00"

    [[rates]]
    metric = "publications"
    price = "100.00"

    [[rates]]
    metric = "impressions"
    per = 1000
    price = "2.50"
"""

C2 = """
    id = "C2"
    brand = "b2"
    twin = "w2"
    currency = "EUR"
    start = 2026-03-01
    end = 2026-12-31
    territories = ["WORLD"]
    channels = ["*"]

    [[rates]]
    metric = "renders"
    price = "3.333"

    [[rates]]
    metric = "publications"
    price = "80.00"
"""

HEADER = shared.HEADER

B1_LOG = f"""
    {HEADER}
    r1,2026-03-01T10:00:00Z,render,w1,a1,,,still,,
    p1,2026-03-02T10:00:00Z,publication,w1,a1,social,SE,still,,true
    p2,2026-03-03T10:00:00Z,publication,w1,a1,social,NO,still,,yes
    p3,2026-03-04T10:00:00Z,publication,w1,a1,web,SE,still,,1
    p4,2026-03-05T10:00:00Z,publication,w1,a1,social,US,still,,true
    p5,2026-04-01T01:00:00+02:00,publication,w1,a1,web,SE,still,,true
    i1,2026-03-31T23:59:59Z,impressions,w1,a1,social,SE,still,123458,
    i2,2026-03-15T12:00:00Z,impressions,w1,a1,web,NO,still,1000,
    x1,2026-03-20T12:00:00Z,publication,w2,a7,web,SE,still,,true
"""

B2_LOG = f"""
    {HEADER}
    r1,2026-03-01T09:00:00Z,render,w2,a9,,,still,,
    r2,2026-03-01T09:30:00Z,render,w2,a9,,,still,,
    r3,2026-03-02T09:00:00Z,render,w2,a10,,,still,,
    p1,2026-03-10T09:00:00Z,publication,w2,a9,print,FR,still,,true
    p2,2026-03-11T09:00:00Z,publication,w2,a10,tv,GB,still,,true
"""


def load(books: Books) -> None:
    """Parties, both contracts and both brands' March logs, ingested."""
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.write("contracts/C1.toml", C1)
    books.write("contracts/C2.toml", C2)
    books.ok("contracts", "import", books.files / "contracts")
    books.ok("ingest", books.write("b1.csv", B1_LOG), "--brand", "b1")
    books.ok("ingest", books.write("b2.csv", B2_LOG), "--brand", "b2")
