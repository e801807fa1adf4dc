"""Generated multi-month histories: parties, contracts with tiers, a minimum guarantee, a cap, a
retainer and an advance, and usage logs with every exception kind, late batches, restatements,
a withdrawn batch, an amendment and a price-only one. ``play`` drives one through the CLI and
calls ``check`` on every month before it is closed."""

from __future__ import annotations

import random
from collections.abc import Callable

from tests import shared
from tests.conftest import Books

PARTIES = shared.parties(
    shared.party("agencies", id="ag", name="Agency", currency="EUR", commission="0.15"),
    shared.party(
        "talents", id="t1", name="Liv", agency="ag", payout_currency="EUR", withholding_rate="0.1"
    ),
    shared.party(
        "talents", id="t2", name="Ola", payout_currency="EUR", restricted_categories=["tobacco"]
    ),
    shared.party("brands", id="b1", name="Brand One", currency="EUR", category="apparel"),
    shared.party("brands", id="b2", name="Brand Two", currency="EUR", category="beauty"),
    shared.party("twins", id="w1", talent="t1"),
    shared.party("twins", id="w2", talent="t2"),
    shared.party("twins", id="w3", talent="t2"),
    shared.party("twins", id="w4", talent="t1"),
)

TIERS = '[{ up_to = 5, price = "100" }, { up_to = 12, price = "70.5" }, { price = "60" }]'
VOLUME = '[{ up_to = 20000, price = "3.10" }, { price = "2.20" }]'


def k1(render_price: str, amended: bool = False, guarantee: bool = True) -> str:
    text = shared.contract(
        "K1",
        "b1",
        "w1",
        "EUR",
        shared.rate("publications", tier_mode="graduated", tiers=shared.Raw(TIERS)),
        shared.rate("impressions", per=1000, price="2.50"),
        shared.rate("renders", price=render_price),
        territories=("SE", "NO"),
        channels=("social", "web"),
    ).replace("\n    id =", '\n    unauthorized_use_multiplier = "0.5"\n    id =', 1)
    if guarantee:
        text += '\n    [minimum_guarantee]\n    amount = "900.00"\n    period = "quarter"\n'
    else:
        text += '\n    [cap]\n    amount = "700.00"\n    period = "month"\n'
    if amended:
        text += (
            "\n    [[amendments]]\n    effective = 2026-02-15\n"
            '    [[amendments.rates]]\n    metric = "publications"\n    price = "90.00"\n'
            '    [[amendments.rates]]\n    metric = "renders"\n    price = "2.00"\n'
        )
    return text


K2 = shared.contract(
    "K2",
    "b2",
    "w2",
    "EUR",
    shared.rate("publications", channel="social", price="80.00"),
    shared.rate("publications", price="65.25"),
    shared.rate("impressions", per=1000, tier_mode="volume", tiers=shared.Raw(VOLUME)),
    start="2026-02-01",
).replace("\n    id =", '\n    retainer = "300.00"\n    id =', 1) + (
    '\n    [advance]\n    amount = "250.00"\n    paid_on = 2026-02-10\n'
)

K3 = shared.contract(
    "K3",
    "b1",
    "w3",
    "EUR",
    shared.rate("publications", price="55.50"),
    shared.rate("video_seconds", price="0.40"),
    end="2026-06-30",
).replace('\n    territories = ["WORLD"]', '\n    territories = ["WORLD"]\n    exclusive = true', 1)

TWINS = {"b1": ["w1", "w1", "w3", "w4"], "b2": ["w2", "w2", "w3"]}


def log(rng: random.Random, tag: str, brand: str, months: list[int], rows: int) -> str:
    """A usage log of ``rows`` events spread over ``months`` of 2026."""
    lines = [shared.HEADER]
    for n in range(rows):
        month = rng.choice(months)
        day, hour = rng.randint(1, 28), rng.randint(0, 23)
        at = f"2026-{month:02d}-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:00Z"
        kind = rng.choices(["render", "publication", "impressions"], [3, 4, 3])[0]
        twin = rng.choice(TWINS[brand])
        asset = f"a{rng.randint(0, 6)}"
        media = rng.choice(["still", "still", "video"])
        if kind == "render":
            lines.append(f"{tag}{n},{at},render,{twin},{asset},,,{media},,")
            continue
        channel = rng.choice(["social", "web", "print"])
        territory = rng.choice(["SE", "NO", "US"])
        quantity = rng.randint(100, 9000) if kind == "impressions" else ""
        duration = ""
        disclosure = rng.choice(["true", "true", "false"]) if kind == "publication" else ""
        row = f"{tag}{n},{at},{kind},{twin},{asset},{channel},{territory},{media},{quantity},"
        lines.append(row + disclosure + duration)
    return "\n".join(lines) + "\n"


def restated(text: str, rng: random.Random) -> str:
    """The same log with some quantities changed and some events moved a month later."""
    out = []
    for line in text.splitlines():
        fields = line.split(",")
        if fields[0] != "event_id" and rng.random() < 0.3:
            if fields[2] == "impressions":
                fields[8] = str(int(fields[8]) + rng.randint(1, 500))
            elif fields[1][5:7] in ("01", "02") and rng.random() < 0.5:
                fields[1] = fields[1][:5] + f"{int(fields[1][5:7]) + 1:02d}" + fields[1][7:]
            else:
                fields[5] = "web" if fields[5] != "web" else "social"
        out.append(",".join(fields))
    return "\n".join(out) + "\n"


def play(books: Books, seed: int, check: Callable[[Books, str], None], months: int = 4) -> None:
    """Build the history of ``seed`` month by month, up to ``months`` (2 to 4) months settled."""
    rng = random.Random(seed)
    guarantee = seed % 2 == 0
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.write("contracts/K1.toml", k1("1.25", guarantee=guarantee))
    books.write("contracts/K2.toml", K2)
    books.write("contracts/K3.toml", K3)
    books.ok("contracts", "import", books.files / "contracts")

    first = log(rng, "f", "b1", [1, 2], rng.randint(20, 40))
    books.ok("ingest", books.write("b1-first.csv", first), "--brand", "b1")
    books.ok("ingest", books.write("b2-feb.csv", log(rng, "g", "b2", [2], 15)), "--brand", "b2")
    check(books, "2026-01")
    books.ok("settle", "close", "2026-01")

    late = log(rng, "late", "b1", [1], rng.randint(3, 8))
    late_batch = books.ok("ingest", books.write("b1-late.csv", late), "--brand", "b1")
    books.ok("ingest", books.write("b1-restated.csv", restated(first, rng)), "--brand", "b1",
             "--restate")  # fmt: skip
    books.ok("ingest", books.write("b2-mar.csv", log(rng, "h", "b2", [2, 3], 20)), "--brand", "b2")
    check(books, "2026-02")
    if months == 2:
        return
    books.ok("settle", "close", "2026-02")

    if seed % 3 != 1:
        books.ok("batches", "void", late_batch["batch_id"], "--reason", "wrong file", "--by", "ops")
    if seed % 3 != 2:
        books.write("K1-amended.toml", k1("1.25", amended=True, guarantee=guarantee))
        books.ok("contracts", "import", books.files / "K1-amended.toml", "--amend")
    books.ok("ingest", books.write("b1-mar.csv", log(rng, "m", "b1", [3, 4], 30)), "--brand", "b1")
    books.ok("ingest", books.write("b2-late.csv", log(rng, "n", "b2", [2], 5)), "--brand", "b2")
    check(books, "2026-03")
    books.ok("settle", "close", "2026-03")
    if seed % 2 == 1:  # a price-only amendment: the stored quantities are priced again
        repriced = k1("1.40", amended=seed % 3 != 2, guarantee=guarantee)
        books.ok("contracts", "import", books.write("K1-repriced.toml", repriced), "--amend")
    check(books, "2026-04")
