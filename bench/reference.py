"""Deterministic reference data for the benchmark: parties, contracts and FX rates.

1,000 talents, each with one twin and a primary contract with one of 40 apparel brands; every
fifth talent also holds an exclusive contract with one of 10 beauty brands (1,200 contracts in
all). Contracts mix flat and tiered (graduated and volume) rates, retainers, quarterly minimum
guarantees, monthly caps, advances and mid-month amendments, in five currencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PERIOD = "2026-10"
CURRENCIES = ("EUR", "SEK", "GBP", "USD", "JPY")
TALENTS = 1000
AGENCIES = 20
APPAREL_BRANDS = 40
BEAUTY_BRANDS = 10
REGIONS = (
    ("SE", "NO", "DK", "FI", "DE", "FR"),
    ("US", "CA"),
    ("JP", "KR"),
    ("GB", "IE", "NL", "BE"),
    ("WORLD",),
)
WORLD_TERRITORIES = ("US", "GB", "DE", "FR", "JP", "BR", "IN", "AU")
CHANNEL_SETS = (("social", "web", "ecommerce"), ("social", "ooh"), ("*",))
_FIRST = ("Liv", "Zoë", "Σοφία", "Анна", "Amélie", "Ingrid", "Łucja", "Νίκη", "Ольга", "Maja")
_LAST = ("Sandström", "Łukasiewicz", "Παπαδοπούλου", "Кузнецова", "Dubois", "Øvergaard")
_SCALE = {"EUR": 1, "SEK": 10, "GBP": 1, "USD": 1, "JPY": 150}


@dataclass(frozen=True)
class Contract:
    """What the usage generator needs to know about one contract."""

    index: int
    id: str
    brand: str
    twin: str
    territories: tuple[str, ...]
    channels: tuple[str, ...]


def brand_id(n: int) -> str:
    return f"b-{n:02d}"


def brand_currency(n: int) -> str:
    return CURRENCIES[n % len(CURRENCIES)]


def talent_id(t: int) -> str:
    return f"t-{t:04d}"


def twin_id(t: int) -> str:
    return f"t-{t:04d}-tw"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def parties_toml() -> str:
    out = []
    for a in range(AGENCIES):
        ccy = CURRENCIES[a % len(CURRENCIES)]
        out.append(
            f"[[agencies]]\nid = {_q(f'ag-{a:02d}')}\nname = {_q(f'Agency {a:02d} & Partners')}\n"
            f'currency = "{ccy}"\ncommission = "0.{15 + a % 10}"\n'
        )
    for t in range(TALENTS):
        name = f"{_FIRST[t % len(_FIRST)]} {_LAST[t // len(_FIRST) % len(_LAST)]} {t}"
        ccy = CURRENCIES[t % 4]
        agency = f'agency = "ag-{t % AGENCIES:02d}"\n' if t % 5 else ""
        restricted = '["alcohol"]' if t % 10 == 3 else "[]"
        out.append(
            f"[[talents]]\nid = {_q(talent_id(t))}\nname = {_q(name)}\n{agency}"
            f'payout_currency = "{ccy}"\nwithholding_rate = "0.{t % 3}"\n'
            f'min_payout = "{(t % 4) * 50 * _SCALE[ccy]}"\nrestricted_categories = {restricted}\n'
        )
    for b in range(APPAREL_BRANDS + BEAUTY_BRANDS):
        category = "apparel" if b < APPAREL_BRANDS else "beauty"
        out.append(
            f"[[brands]]\nid = {_q(brand_id(b))}\nname = {_q(f'Brand {b:02d} & Co')}\n"
            f'currency = "{brand_currency(b)}"\ncategory = "{category}"\n'
        )
    for t in range(TALENTS):
        revoked = "revoked_on = 2026-10-21\n" if t % 500 == 7 else ""
        out.append(
            f"[[twins]]\nid = {_q(twin_id(t))}\ntalent = {_q(talent_id(t))}\n"
            f"created_on = 2025-12-01\n{revoked}"
        )
    return "\n".join(out)


def _rates(n: int, ccy: str, bump: int = 0) -> str:
    s = _SCALE[ccy]
    mode = "graduated" if n % 2 else "volume"
    rates = [
        f'metric = "publications"\nchannel = "social"\nprice = "{(150 + bump) * s}.00"',
        f'metric = "publications"\nchannel = "{"web" if n % 50 == 4 else "*"}"\n'
        f'price = "{(100 + bump) * s}.00"',
        f'metric = "impressions"\nper = 1000\ntier_mode = "{mode}"\n'
        f'tiers = [{{ up_to = 1000000, price = "{(25 + bump) * s / 10:.2f}" }}, '
        f'{{ up_to = 5000000, price = "{2 * s}.00" }}, {{ price = "{15 * s / 10:.2f}" }}]',
    ]
    if n % 3 == 0:
        rates.append(f'metric = "video_seconds"\nmedia = "video"\nprice = "{2 * s}.00"')
    if n % 4 == 0:
        rates.append(f'metric = "renders"\nprice = "{s}.00"')
    return rates_block(rates)


def rates_block(rates: list[str], prefix: str = "rates") -> str:
    return "".join(f"\n[[{prefix}]]\n{r}\n" for r in rates)


STARTS = ("2026-01-01", "2026-07-01", "2026-10-01")
"""Contract starts, by contract number: a third of the contracts began in each."""


def contract_toml(
    c: Contract, n: int, ccy: str, exclusive: bool, starts: tuple[str, ...] = STARTS
) -> str:
    s = _SCALE[ccy]
    start = starts[n % len(starts)]
    parts = [
        f"id = {_q(c.id)}\nbrand = {_q(c.brand)}\ntwin = {_q(c.twin)}\ncurrency = {_q(ccy)}\n"
        f"start = {start}\nend = 2027-06-30\nterritories = {_list(c.territories)}\n"
        f"channels = {_list(c.channels)}\nexclusive = {str(exclusive).lower()}\n"
        f'unauthorized_use_multiplier = "{n % 3}"\n'
    ]
    if n % 2 == 0:
        parts.append(f'retainer = "{(500 + n % 7 * 100) * s}.00"\n')
    if n % 6 == 0:
        parts.append(f'\n[minimum_guarantee]\namount = "{9000 * s}.00"\nperiod = "quarter"\n')
    if n % 8 == 0:
        parts.append(f'\n[cap]\namount = "{25000 * s}.00"\nperiod = "month"\n')
    if n % 10 == 0:
        parts.append(f'\n[advance]\namount = "{5000 * s}.00"\npaid_on = {start[:8]}15\n')
    parts.append(_rates(n, ccy))
    if n % 5 == 1:
        parts.append(f'\n[[amendments]]\neffective = 2026-10-16\nretainer = "{800 * s}.00"\n')
        parts.append(_rates(n, ccy, bump=10).replace("[[rates]]", "[[amendments.rates]]"))
    return "".join(parts)


def contracts(starts: tuple[str, ...] = STARTS) -> list[tuple[Contract, str]]:
    """Every contract with its TOML text."""
    out: list[tuple[Contract, str]] = []
    for t in range(TALENTS):
        b = t % APPAREL_BRANDS
        primary = Contract(
            index=len(out),
            id=f"C-{t:04d}-A",
            brand=brand_id(b),
            twin=twin_id(t),
            territories=REGIONS[t % len(REGIONS)],
            channels=CHANNEL_SETS[t % len(CHANNEL_SETS)],
        )
        out.append((primary, contract_toml(primary, t, brand_currency(b), False, starts)))
        if t % 5 == 0:
            b = APPAREL_BRANDS + t // 5 % BEAUTY_BRANDS
            beauty = Contract(
                index=len(out),
                id=f"C-{t:04d}-B",
                brand=brand_id(b),
                twin=twin_id(t),
                territories=REGIONS[t % len(REGIONS)],
                channels=("social", "web"),
            )
            out.append((beauty, contract_toml(beauty, t + 1, brand_currency(b), True, starts)))
    return out


FX_CSV = (
    "Date,USD,JPY,GBP,SEK\n"
    "2026-10-30,1.0862,162.87,0.86010,11.2815\n"
    "2026-10-29,1.0871,162.40,0.85980,11.2750\n"
)


def write_reference(root: Path, starts: tuple[str, ...] = STARTS) -> list[Contract]:
    """Write parties.toml, contracts/*.toml and fx.csv under ``root``; returns the contracts
    (``starts``: their start dates, by contract number)."""
    (root / "contracts").mkdir(parents=True, exist_ok=True)
    (root / "parties.toml").write_text(parties_toml(), encoding="utf-8")
    (root / "fx.csv").write_text(FX_CSV, encoding="utf-8")
    found = contracts(starts)
    for contract, text in found:
        (root / "contracts" / f"{contract.id}.toml").write_text(text, encoding="utf-8")
    return [c for c, _ in found]
