"""Deterministic usage logs in the canonical CSV layout, one file per brand, written by DuckDB.

Rows come in blocks of 100 of one contract: 4 renders (on the first morning of the month, so
every asset is rendered before it is published), 10 publications (10% video) and 86 daily
impressions rows. A small share of rows breaks a contract on purpose: unrendered assets, missing
AI disclosures, unlicensed channels and territories, a twin the brand has no licence for,
restricted and exclusive categories, and twins revoked on the 21st.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from bench.reference import WORLD_TERRITORIES, Contract

ASSETS = 20
_H1 = "CAST(hash(i) % 4294967291 AS BIGINT)"
_H2 = "CAST(hash(i, 7) % 4294967279 AS BIGINT)"

_ROWS = f"""
SELECT i, c, pos, {_H1} AS h1, {_H2} AS h2 FROM (
  SELECT (b.n * {{contracts}} + k.idx) * 100 + p.pos AS i, k.idx AS c, p.pos
  FROM range({{rounds}}) b(n), range(100) p(pos), k WHERE k.brand = $brand
) WHERE i < {{rows}}
"""

_RENDERED = f"((r.i // (100 * {{contracts}})) * 4 + r.pos) % {ASSETS}"
_EVENTS = f"""
SELECT '{{prefix}}' || r.i AS event_id,
  strftime(TIMESTAMP '{{month}}-01 00:00:00' + to_seconds(
    CASE WHEN r.pos < 4 THEN r.h1 % 21600
         ELSE 86400 + r.h1 % ({{days}} * 86400) END), '%Y-%m-%dT%H:%M:%SZ') AS occurred_at,
  CASE WHEN r.pos < 4 THEN 'render' WHEN r.pos < 14 THEN 'publication'
       ELSE 'impressions' END AS kind,
  CASE WHEN r.h2 % 2000 = 0 THEN k.other_twin ELSE k.twin END AS twin_id,
  CASE WHEN r.pos < 4 THEN 'a' || r.c || '-' || {_RENDERED}
       WHEN r.pos < 14 AND r.h2 % 500 = 1 THEN 'x' || r.i
       ELSE 'a' || r.c || '-' || r.h2 % {ASSETS} END AS asset_id,
  CASE WHEN r.pos < 4 THEN NULL WHEN r.h2 % 1000 = 2 THEN 'print'
       ELSE k.channels[1 + r.h1 % len(k.channels)] END AS channel,
  CASE WHEN r.pos < 4 THEN NULL WHEN r.h2 % 1000 = 3 THEN 'BR'
       ELSE k.territories[1 + r.h2 % len(k.territories)] END AS territory,
  CASE WHEN r.pos BETWEEN 4 AND 13 AND r.h1 % 10 = 0 THEN 'video' ELSE 'still' END AS media,
  CASE WHEN r.pos >= 14 THEN 100 + r.h2 % 50000 END AS quantity,
  CASE WHEN r.pos BETWEEN 4 AND 13 AND r.h1 % 10 = 0 THEN 5 + r.h2 % 55 END AS duration_s,
  'fw26-' || r.c % 7 AS campaign,
  CASE WHEN r.h1 % 1000 = 4 THEN 'alcohol' WHEN r.h1 % 1000 = 5 THEN 'beauty' END AS category,
  CASE WHEN r.pos BETWEEN 4 AND 13 THEN r.h2 % 200 <> 6 END AS ai_disclosure,
  CASE WHEN r.pos < 4 THEN md5(CAST(r.i AS VARCHAR)) END AS content_hash
FROM ({_ROWS}) r JOIN k ON k.idx = r.c
ORDER BY r.i
"""


def _contract_table(contracts: list[Contract]) -> pa.Table:
    def channels(c: Contract) -> list[str]:
        return ["social", "web", "ecommerce", "ooh"] if "*" in c.channels else list(c.channels)

    def territories(c: Contract) -> list[str]:
        return list(WORLD_TERRITORIES) if "WORLD" in c.territories else list(c.territories)

    return pa.table(
        {
            "idx": [c.index for c in contracts],
            "brand": [c.brand for c in contracts],
            "twin": [c.twin for c in contracts],
            "other_twin": [contracts[(c.index + 7) % len(contracts)].twin for c in contracts],
            "channels": [channels(c) for c in contracts],
            "territories": [territories(c) for c in contracts],
        }
    )


def write_usage(
    out: Path,
    contracts: list[Contract],
    rows: int,
    month: str = "2026-10",
    prefix: str = "e",
    suffix: str = "",
) -> list[tuple[str, Path]]:
    """Write ``rows`` events of ``month`` as one CSV per brand under ``out``, event ids starting
    with ``prefix``; returns (brand, file) pairs."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{out / '.duckdb-tmp'}'")
    con.register("k_arrow", _contract_table(contracts))
    con.execute("CREATE TABLE k AS SELECT * FROM k_arrow")
    rounds = -(-rows // (100 * len(contracts)))
    year, number = int(month[:4]), int(month[5:])
    following = date(year + (number == 12), number % 12 + 1, 1)
    days = (following - date(year, number, 1)).days - 1  # after the first day, renders' day
    query = _EVENTS.format(
        contracts=len(contracts), rows=rows, rounds=rounds, month=month, prefix=prefix, days=days
    )
    written = []
    for brand in sorted({c.brand for c in contracts}):
        path = out / f"{brand}-{month}{suffix}.csv"
        tmp = path.with_suffix(".csv.part")
        con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT csv, HEADER true)", {"brand": brand})
        tmp.replace(path)
        written.append((brand, path))
    con.close()
    return written
