"""Parties, contracts and usage logs shared by the test folders, as the TOML and CSV text the
CLI imports (dedented by ``Books.write``).

``party("talents", id="t1", ...)`` writes one ``[[talents]]`` table; ``parties(...)`` joins them;
``contract(...)`` writes a contract with its ``[[rates]]``. Values are TOML: a ``str`` is quoted
(amounts stay decimal strings), a ``Raw`` is written as it is (dates, inline tables).
"""

from __future__ import annotations

import json

HEADER = "event_id,occurred_at,kind,twin_id,asset_id,channel,territory,media,quantity,ai_disclosure"
"""The canonical columns of a usage log."""


class Raw(str):
    """A TOML value written as it is: ``Raw("2026-01-01")``, ``Raw('[{ price = "60" }]')``."""


def _value(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _fields(fields: dict[str, object]) -> str:
    return "".join(f"    {key} = {_value(value)}\n" for key, value in fields.items())


def _table(header: str, fields: dict[str, object]) -> str:
    return f"    {header}\n" + _fields(fields)


def party(kind: str, **fields: object) -> str:
    """One ``[[agencies]]``, ``[[talents]]``, ``[[brands]]`` or ``[[twins]]`` table."""
    return _table(f"[[{kind}]]", fields)


def parties(*tables: str) -> str:
    return "\n" + "\n".join(tables)


def rate(metric: str, **fields: object) -> str:
    return _table("[[rates]]", {"metric": metric, **fields})


def contract(
    id: str,
    brand: str,
    twin: str,
    currency: str,
    *rates: str,
    territories: tuple[str, ...] = ("WORLD",),
    channels: tuple[str, ...] = ("*",),
    start: str = "2026-01-01",
    end: str = "2026-12-31",
) -> str:
    """A contract over 2026 (unless told), everywhere on every channel (unless told)."""
    head = _fields(
        {
            "id": id,
            "brand": brand,
            "twin": twin,
            "currency": currency,
            "start": Raw(start),
            "end": Raw(end),
            "territories": list(territories),
            "channels": list(channels),
        },
    )
    return "\n" + head + "".join("\n" + r for r in rates)


def one_talent(
    talent: str = "Liv Sandström",
    agency: str = "Agency",
    brand: str = "Brand One",
    agency_fields: dict[str, object] | None = None,
    talent_fields: dict[str, object] | None = None,
) -> str:
    """Agency ``ag`` (EUR, 20 % commission), its talent ``t1`` (EUR) with twin ``w1``, and brand
    ``b1`` (EUR): the smallest books that settle."""
    agencies, talents = agency_fields or {}, talent_fields or {}
    return parties(
        party("agencies", id="ag", name=agency, currency="EUR", commission="0.20", **agencies),
        party("talents", id="t1", name=talent, agency="ag", payout_currency="EUR", **talents),
        party("brands", id="b1", name=brand, currency="EUR"),
        party("twins", id="w1", talent="t1"),
    )
