"""`explain LINE-ID`: the events, contract version and rate rule behind one priced line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ledger.domain import Contract, Parties
from ledger.economics.periods import period_bounds
from ledger.errors import LedgerError
from ledger.money import format_amount, round_money
from ledger.pricing import price
from ledger.rating.engine import DuckEngine
from ledger.rating.lines import units
from ledger.rating.measure import measure
from ledger.storage.events import SUPERSEDES, connect, has_supersedes, read_sql

LINE_RE = re.compile(r"^(\d{4}-\d{2}):(.+):v(\d+):r(\d+)(:oos)?$")


@dataclass(frozen=True)
class LineKey:
    period: str
    contract: str
    version_no: int
    rule_no: int
    out_of_scope: bool


def parse_line_id(line_id: str) -> LineKey:
    match = LINE_RE.match(line_id)
    if not match:
        raise LedgerError(
            f"{line_id!r} is not a line id (expected PERIOD:CONTRACT:vN:rN[:oos], "
            "as shown in `statements data`)"
        )
    period, contract, version, rule, oos = match.groups()
    return LineKey(period, contract, int(version), int(rule), bool(oos))


def explain_line(
    key: LineKey, contract: Contract, parties: Parties, files: Sequence[Path]
) -> dict[str, Any]:
    versions = contract.versions()
    if key.version_no >= len(versions):
        raise LedgerError(f"contract {contract.id} has no version {key.version_no}")
    version = versions[key.version_no]
    if key.rule_no > len(version.terms.rates):
        raise LedgerError(f"version {key.version_no} of {contract.id} has no rate {key.rule_no}")
    rule = version.terms.rates[key.rule_no - 1]
    first, last = period_bounds(key.period)
    end = last + timedelta(days=1)
    con = connect()
    try:
        measure(DuckEngine(con), files, first, end, first, [contract], parties)
        rows = con.execute(
            "SELECT p.brand, p.event_id, strftime(ev.occurred_at, '%Y-%m-%dT%H:%M:%SZ'), "
            "p.channel, p.territory, p.media, p.qty, ev.batch_id, ev.line_no "
            "FROM priced p JOIN ev ON ev.brand = p.brand AND ev.event_id = p.event_id "
            "WHERE p.vkey = ? AND p.rule_no = ? AND p.oos = ? AND p.month = ? "
            "ORDER BY 3, 2",
            [version.key, key.rule_no, key.out_of_scope, key.period],
        ).fetchall()
        replaced = _superseded(con, files, rows)
    finally:
        con.close()
    quantity = units(sum((Decimal(r[6]) for r in rows), Decimal(0)))
    events = [_event(r, None) for r in rows]
    for row in replaced:
        events.append(_event(row[:9], row[9]))
    events.sort(key=lambda e: (e["occurred_at"], e["event_id"], e["superseded_by"] is None))
    multiplier = version.terms.unauthorized_use_multiplier if key.out_of_scope else Decimal(1)
    priced = price(rule, quantity, multiplier)
    return {
        "line_id": f"{key.period}:{contract.id}:v{key.version_no}:r{key.rule_no}"
        + (":oos" if key.out_of_scope else ""),
        "contract": contract.id,
        "revision": contract.revision,
        "version": {
            "no": version.version_no,
            "from": version.effective_from.isoformat(),
            "to": version.effective_to.isoformat(),
        },
        "rule": {
            "no": rule.rule_no,
            "metric": rule.metric,
            "channel": rule.channel,
            "media": rule.media,
            "per": str(rule.per),
            "price": None if rule.price is None else str(rule.price),
            "tier_mode": rule.tier_mode if rule.price is None else None,
        },
        "quantity": format(quantity, "f"),
        "amount": format_amount(round_money(priced.amount, contract.currency), contract.currency),
        "currency": contract.currency,
        "details": priced.details,
        "events": events,
    }


def _event(r: Sequence[Any], superseded_by: str | None) -> dict[str, Any]:
    return {
        "brand": r[0],
        "event_id": r[1],
        "occurred_at": r[2],
        "channel": r[3],
        "territory": r[4],
        "media": r[5],
        "quantity": format(units(Decimal(r[6])), "f"),
        "batch_id": r[7],
        "line_no": r[8],
        "superseded_by": superseded_by,
    }


def _superseded(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """Earlier versions of the line's events that a restatement replaced (not counted), each
    with the batch that replaced it."""
    if not rows or not has_supersedes(files):
        return []
    con.register(
        "line_events",
        pa.table({"brand": [r[0] for r in rows], "event_id": [r[1] for r in rows]}),
    )
    source = read_sql(files)
    return con.execute(
        "SELECT v.brand, v.event_id, strftime(v.occurred_at, '%Y-%m-%dT%H:%M:%SZ'), v.channel, "
        "v.territory, v.media, v.quantity, v.batch_id, v.line_no, r.batch_id "
        f"FROM {source} v JOIN {source} r ON r.brand = v.brand AND r.event_id = v.event_id "
        f"AND r.{SUPERSEDES} = v.batch_id "
        "SEMI JOIN line_events l ON l.brand = v.brand AND l.event_id = v.event_id "
        "ORDER BY 3, 2, 8"
    ).fetchall()
