"""Three brands, two talents of one agency, one month (2026-09), settled as a draft.

Expected figures, by hand (rates are in the contracts below):

zephyr x liv-s (ZEP-1, EUR, exclusive apparel in SE and NO, multiplier 2)
  renders       Z-R1 Z-R2 Z-R3                    3 x 1.00                    =   3.00
  publications  social: Z-P1 Z-P2 Z-P6            3 x 100.00                  = 300.00
                *: Z-P3 Z-P4 Z-P7 Z-P8            4 x 50.00                   = 200.00
                out of scope: Z-P5 (email)        1 x 50.00 x 2               = 100.00
                                                  8                             600.00
  impressions   120000 + 30500 = 150500           150.5 x 3.00                = 451.50
  video_seconds Z-P4                              30 x 0.50                   =  15.00
hanami x liv-s (HAN-1, JPY, JP and SE, social, multiplier 0)
  publications  H-P1, =HYPERLINK (SE)             2 x 10000                   =  20000
                out of scope: @SUM(A1) (NO)       multiplier 0: flagged, no line
smith x zoe-l (SMI-1, GBP, GB, every channel; zoe-l's twin revoked on 2026-09-20)
  publications  S-P1 social 80.00 + S-P2 print 250.00                          = 330.00
  impressions   S-I1 social 2500                  2.5 x 2.00                  =   5.00
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Books

PERIOD = "2026-09"
HYPERLINK = '=HYPERLINK("http://x","y")'

PARTIES = """
    [[agencies]]
    id = "nordlys"
    name = "Nordlys Model Management"
    currency = "SEK"
    commission = "0.20"

    [[agencies]]
    id = "athena"
    name = "Athena Models"
    currency = "EUR"
    commission = "0.15"

    [[talents]]
    id = "liv-s"
    name = "Liv Sandström"
    agency = "nordlys"
    payout_currency = "EUR"
    restricted_categories = ["alcohol"]

    [[talents]]
    id = "zoe-l"
    name = "Zoë Łukasiewicz"
    agency = "nordlys"
    payout_currency = "EUR"

    [[brands]]
    id = "zephyr"
    name = "Zephyr & Co"
    currency = "EUR"
    category = "apparel"

    [[brands]]
    id = "smith"
    name = "Smith & Sons"
    currency = "GBP"
    category = "footwear"

    [[brands]]
    id = "hanami"
    name = "Hanami Denim"
    currency = "JPY"
    category = "apparel"

    [[twins]]
    id = "liv-s-twin-1"
    talent = "liv-s"
    created_on = 2026-01-01

    [[twins]]
    id = "zoe-l-twin-1"
    talent = "zoe-l"
    created_on = 2026-01-01
    revoked_on = 2026-09-20
"""

ZEP = """
    id = "ZEP-1"
    brand = "zephyr"
    twin = "liv-s-twin-1"
    currency = "EUR"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["SE", "NO"]
    channels = ["social", "web"]
    category = "apparel"
    exclusive = true
    unauthorized_use_multiplier = "2"

    [[rates]]
    metric = "renders"
    price = "1.00"

    [[rates]]
    metric = "publications"
    channel = "social"
    price = "100.00"

    [[rates]]
    metric = "publications"
    price = "50.00"

    [[rates]]
    metric = "impressions"
    per = 1000
    price = "3.00"

    [[rates]]
    metric = "video_seconds"
    price = "0.50"
"""

HAN = """
    id = "HAN-1"
    brand = "hanami"
    twin = "liv-s-twin-1"
    currency = "JPY"
    start = 2026-06-01
    end = 2027-05-31
    territories = ["JP", "SE"]
    channels = ["social"]
    category = "apparel"

    [[rates]]
    metric = "publications"
    price = "10000"
"""

SMI = """
    id = "SMI-1"
    brand = "smith"
    twin = "zoe-l-twin-1"
    currency = "GBP"
    start = 2026-01-01
    end = 2026-12-31
    territories = ["GB"]
    channels = ["*"]

    [[rates]]
    metric = "publications"
    channel = "social"
    price = "80.00"

    [[rates]]
    metric = "publications"
    channel = "print"
    price = "250.00"

    [[rates]]
    metric = "impressions"
    channel = "social"
    per = 1000
    price = "2.00"
"""

FX = """
    Date,USD,JPY,GBP,SEK,
    2026-09-30,1.0800,160.00,0.85000,11.2500,
"""

HEADER = (
    "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,duration_s,"
    "campaign,category,ai_disclosure,content_hash"
)

ZEPHYR_LOG = f"""
    {HEADER}
    Z-R1,2026-09-01T09:00:00Z,render,liv-s-twin-1,a1,,,,,,,,,
    Z-R2,2026-09-01T09:05:00Z,render,liv-s-twin-1,a2,,,,,,,,,
    Z-P1,2026-09-02T10:00:00Z,publication,liv-s-twin-1,a1,social,SE,still,,,"=HYPERLINK(""http://x"",""y"")",,true,
    Z-P2,2026-09-03T10:00:00Z,publication,liv-s-twin-1,a1,social,NO,still,,,@SUM(A1),,true,
    Z-P3,2026-09-04T10:00:00Z,publication,liv-s-twin-1,a2,web,SE,still,,,+1,,true,
    Z-P4,2026-09-05T10:00:00Z,publication,liv-s-twin-1,a2,web,SE,video,,30,,,true,
    Z-P5,2026-09-06T10:00:00Z,publication,liv-s-twin-1,a1,email,SE,still,,,,,true,
    Z-P6,2026-09-07T10:00:00Z,publication,liv-s-twin-1,a1,social,SE,still,,,,,false,
    Z-P7,2026-09-08T10:00:00Z,publication,liv-s-twin-1,a9,web,NO,still,,,,,true,
    Z-P8,2026-09-10T10:00:00Z,publication,liv-s-twin-1,a3,web,SE,still,,,,,true,
    Z-R3,2026-09-11T10:00:00Z,render,liv-s-twin-1,a3,,,,,,,,,
    Z-I1,2026-09-12T10:00:00Z,impressions,liv-s-twin-1,a1,social,SE,,120000,,,,,
    Z-I2,2026-09-13T10:00:00Z,impressions,liv-s-twin-1,a2,web,NO,,30500,,,,,
"""

HANAMI_LOG = f"""
    {HEADER}
    H-R1,2026-09-04T08:00:00Z,render,liv-s-twin-1,h1,,,,,,,,,
    H-P1,2026-09-05T08:00:00Z,publication,liv-s-twin-1,h1,social,JP,still,,,,,true,
    "=HYPERLINK(""http://x"",""y"")",2026-09-06T08:00:00Z,publication,liv-s-twin-1,h1,social,SE,still,,,,,true,
    @SUM(A1),2026-09-07T08:00:00Z,publication,liv-s-twin-1,h1,social,NO,still,,,,,true,
    +1,2026-09-08T08:00:00Z,publication,liv-s-twin-1,h9,social,JP,still,,,,alcohol,false,
"""

SMITH_LOG = f"""
    {HEADER}
    S-R1,2026-09-02T09:00:00Z,render,zoe-l-twin-1,s1,,,,,,,,,
    S-P1,2026-09-03T09:00:00Z,publication,zoe-l-twin-1,s1,social,GB,still,,,,,true,
    S-P2,2026-09-04T09:00:00Z,publication,zoe-l-twin-1,s1,print,GB,still,,,,,true,
    S-P3,2026-09-05T09:00:00Z,publication,zoe-l-twin-1,s1,web,GB,still,,,,,true,
    S-I1,2026-09-06T09:00:00Z,impressions,zoe-l-twin-1,s1,social,GB,,2500,,,,,
    S-P5,2026-09-06T12:00:00Z,publication,liv-s-twin-1,s-liv,social,GB,still,,,,,false,
    S-P4,2026-09-25T09:00:00Z,publication,zoe-l-twin-1,s-none,web,FR,still,,,,,false,
"""


def build(books: Books) -> dict[str, Any]:
    """Import everything, ingest the three logs and settle the month; returns `settle run`."""
    books.ok("parties", "import", books.write("parties.toml", PARTIES))
    books.write("contracts/ZEP-1.toml", ZEP)
    books.write("contracts/HAN-1.toml", HAN)
    books.write("contracts/SMI-1.toml", SMI)
    books.ok("contracts", "import", books.files / "contracts")
    books.ok("fx", "import", books.write("fx.csv", FX))
    for brand, log in (("zephyr", ZEPHYR_LOG), ("hanami", HANAMI_LOG), ("smith", SMITH_LOG)):
        result = books.ok("ingest", books.write(f"{brand}.csv", log), "--brand", brand)
        assert result["status"] == "committed" and result["rejected"] == 0, result
    settled: dict[str, Any] = books.ok("settle", "run", PERIOD)
    return settled


@pytest.fixture
def month(books: Books) -> Iterator[tuple[Books, dict[str, Any]]]:
    yield books, build(books)
