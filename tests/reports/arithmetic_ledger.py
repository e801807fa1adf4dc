"""A generated two-month ledger whose documents exercise every kind of figure: graduated and
volume tiers, an out-of-licence multiplier, a cap, a minimum-guarantee top-up, an advance paid and
recouped, payouts in another currency (two contracts in one currency converted separately), a
back-dated price cut that turns a brand's month into a credit note, late events for a closed
month, and a manual adjustment; the agency charges French VAT to a French brand and none to a
Japanese one."""

from __future__ import annotations

from tests import shared
from tests.conftest import Books

PARTIES = shared.parties(
    shared.party(
        "agencies",
        id="ag",
        name="Agence Étoile",
        currency="EUR",
        commission="0.20",
        locale="fr",
        legal_name="Agence Étoile SARL",
        address=shared.Raw(
            '{ lines = ["12 rue de Rivoli"], postal_code = "75004", city = "Paris", '
            'country = "FR" }'
        ),
        vat_id="FR40303265045",
        tax_registered=shared.Raw("true"),
    ),
    shared.party(
        "talents",
        id="t1",
        name="Liv Sandström",
        agency="ag",
        payout_currency="SEK",
        withholding_rate="0.10",
        locale="sv",
    ),
    shared.party("talents", id="t2", name="Zoë Łukasiewicz", payout_currency="EUR", locale="de"),
    shared.party(
        "brands",
        id="b1",
        name="Smith & Sons",
        currency="EUR",
        legal_name="Smith & Sons SAS",
        address=shared.Raw(
            '{ lines = ["3 quai Saint-Antoine"], postal_code = "69002", city = "Lyon", '
            'country = "FR" }'
        ),
        vat_id="FR23334175221",
    ),
    shared.party(
        "brands",
        id="b2",
        name="Hanami Denim",
        currency="USD",
        locale="en",
        address=shared.Raw('{ lines = ["1-1 Jingumae"], city = "Tokyo", country = "JP" }'),
    ),
    shared.party("twins", id="w1", talent="t1"),
    shared.party("twins", id="w2", talent="t2"),
)

GRADUATED = shared.Raw('[{ up_to = 100000, price = "2.50" }, { price = "1.45" }]')
VOLUME = shared.Raw('[{ up_to = 50000, price = "4.00" }, { price = "3.30" }]')


def k1(social: str) -> str:
    """Smith licenses Liv's twin in SE: tiers, a multiplier for uses outside, a cap, an advance."""
    return f"""
    id = "K1"
    brand = "b1"
    twin = "w1"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["SE"]
    channels = ["*"]
    unauthorized_use_multiplier = "1.5"

    [cap]
    amount = "2000.00"
    period = "month"

    [advance]
    amount = "500.00"
    paid_on = 2026-03-10

    [[rates]]
    metric = "publications"
    channel = "social"
    price = "{social}"

    [[rates]]
    metric = "impressions"
    per = 1000
    tiers = {GRADUATED}
"""


K2 = shared.contract(
    "K2",
    "b2",
    "w1",
    "USD",
    shared.rate("impressions", per=1000, tier_mode="volume", tiers=VOLUME),
    shared.rate("publications", price="33.33"),
    start="2026-03-01",
).replace(
    "\n    [[rates]]",
    '\n    [minimum_guarantee]\n    amount = "700.00"\n    period = "month"\n\n    [[rates]]',
    1,
)

K3 = shared.contract("K3", "b2", "w2", "USD", shared.rate("publications", price="41.17"))
K4 = shared.contract("K4", "b1", "w2", "EUR", shared.rate("renders", price="7.35"))

FX = """
    Date,USD,SEK,
    2026-03-31,1.0812,11.0215,
    2026-04-30,1.0731,11.1457,
"""


def _log(prefix: str, twin: str, month: int, rows: list[tuple[str, str, str, str, int]]) -> str:
    """Rows of (kind, channel, territory, asset, quantity) on days 2.. of the month."""
    lines = [shared.HEADER]
    for n, (kind, channel, territory, asset, quantity) in enumerate(rows):
        day = n % 25 + 2
        lines.append(
            f"{prefix}{n},2026-{month:02d}-{day:02d}T10:00:00Z,{kind},{twin},{asset},"
            f"{channel},{territory},still,{quantity},true"
        )
    return "\n".join(lines) + "\n"


def smith(prefix: str, month: int, publications: int, impressions: int) -> str:
    rows = [
        ("render", "", "", "s-a", 1),
        ("render", "", "", "t-a", 1),
        ("render", "", "", "t-a", 1),
    ]
    rows += [("publication", "social", "SE", "s-a", 1)] * publications
    rows += [("publication", "social", "NO", "s-a", 1)]  # outside the licence: x 1.5
    rows += [("impressions", "social", "SE", "s-a", impressions)]
    return _log(prefix, "w1", month, rows)


def smith_renders(prefix: str, month: int, renders: int) -> str:
    return _log(prefix, "w2", month, [("render", "", "", "z-a", 1)] * renders)


def hanami(prefix: str, month: int, impressions: int, publications: int) -> str:
    rows = [("render", "", "", "h-a", 1)]
    rows += [("impressions", "social", "JP", "h-a", impressions)]
    rows += [("publication", "web", "JP", "h-a", 1)] * publications
    return _log(prefix, "w1", month, rows)


def hanami_zoe(prefix: str, month: int, publications: int) -> str:
    rows = [("render", "", "", "hz-a", 1)]
    rows += [("publication", "social", "US", "hz-a", 1)] * publications
    return _log(prefix, "w2", month, rows)


def build(books: Books) -> list[str]:
    """Fill ``books`` with the two months, close both; returns the periods."""
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    for name, text in (("K1", k1("150.00")), ("K2", K2), ("K3", K3), ("K4", K4)):
        books.ok("contracts", "import", books.write(f"{name}.toml", text))
    books.ok("fx", "import", books.write("fx.csv", FX))
    logs = [
        ("b1", smith("m", 3, 9, 345678)),
        ("b1", smith_renders("r", 3, 11)),
        ("b2", hanami("h", 3, 1234567, 3)),
        ("b2", hanami_zoe("z", 3, 7)),
    ]
    for n, (brand, text) in enumerate(logs):
        books.ok("ingest", books.write(f"march{n}.csv", text), "--brand", brand)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    # The social price is cut back to March: Smith's April is a credit note
    books.ok("contracts", "import", books.write("K1.toml", k1("40.00")), "--amend")
    logs = [
        ("b1", smith("a", 4, 2, 64011)),
        ("b2", hanami("late", 3, 7777, 2)),  # late events for closed March
        ("b2", hanami("ha", 4, 43210, 5)),
        ("b2", hanami_zoe("za", 4, 3)),
        ("b1", smith_renders("ra", 4, 4)),
    ]
    for n, (brand, text) in enumerate(logs):
        books.ok("ingest", books.write(f"april{n}.csv", text), "--brand", brand)
    books.ok(
        "adjust", "2026-04", "--party", "t1", "--amount", "-125.50", "--currency", "SEK",
        "--reason", "photo shoot travel advance", "--by", "finance",
    )  # fmt: skip
    books.ok(
        "adjust", "2026-04", "--party", "b2", "--amount", "15.00", "--currency", "USD",
        "--reason", "rush delivery", "--by", "finance",
    )  # fmt: skip
    books.ok("settle", "run", "2026-04")
    books.ok("settle", "close", "2026-04")
    return ["2026-03", "2026-04"]
