"""Measure: turn stored events into quantities per priced line, and find the exceptions.

Everything here runs in DuckDB over the committed Parquet files; no Python touches an event.
A priced line is keyed by (month, contract version, rate rule, out_of_scope). Each use is
matched to its contract version (SPEC 3 step 1), stopped if unlicensed or restricted (step 2),
checked for scope (3) and compliance (4), then each metric it feeds is given the most specific
rate rule of its version (5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from ledger.domain import Contract, Parties
from ledger.rating.tables import restricted_table, rules_table, twins_table, versions_table
from ledger.storage.events import parquet_list_sql

EVENT_COLUMNS = (
    "brand VARCHAR, event_id VARCHAR, occurred_at TIMESTAMPTZ, kind VARCHAR, twin_id VARCHAR, "
    "asset_id VARCHAR, channel VARCHAR, territory VARCHAR, media VARCHAR, quantity BIGINT, "
    "duration_s DECIMAL(18,3), campaign VARCHAR, category VARCHAR, ai_disclosure BOOLEAN, "
    "batch_id VARCHAR, line_no BIGINT"
)
_SELECT_EVENTS = (
    "brand, event_id, occurred_at, kind, twin_id, asset_id, channel, territory, media, quantity, "
    "duration_s, campaign, category, ai_disclosure, batch_id, line_no"
)

EXCEPTION_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("brand", pa.string()),
        ("twin", pa.string()),
        ("talent", pa.string()),
        ("contract", pa.string()),
        ("event_id", pa.string()),
        ("occurred_at", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass(frozen=True)
class Measured:
    """Quantities per priced line and the exceptions of one measuring pass."""

    lines: pa.Table  # month, vkey, rule_no, oos, quantity, events
    breakdown: pa.Table  # month, vkey, rule_no, oos, channel, territory, media, quantity
    exceptions: pa.Table  # EXCEPTION_SCHEMA, only for events from `report_from`
    events_rated: int


def load_events(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], start: date, end: date
) -> None:
    """Create temp table ``ev`` with the events whose UTC date is in [start, end)."""
    if files:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE ev AS SELECT {_SELECT_EVENTS}, "
            "CAST(occurred_at AS DATE) AS day, strftime(occurred_at, '%Y-%m') AS month "
            f"FROM read_parquet({parquet_list_sql(files)}, union_by_name = true) "
            "WHERE occurred_at >= CAST(? AS TIMESTAMPTZ) AND occurred_at < CAST(? AS TIMESTAMPTZ)",
            [f"{start} 00:00:00+00", f"{end} 00:00:00+00"],
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE ev ({EVENT_COLUMNS}, day DATE, month VARCHAR)")


def _register(
    con: duckdb.DuckDBPyConnection, contracts: Sequence[Contract], parties: Parties
) -> None:
    for name, table in (
        ("versions", versions_table(contracts)),
        ("rules", rules_table(contracts)),
        ("twins", twins_table(parties)),
        ("restricted", restricted_table(parties)),
    ):
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")


_MATCH = """
CREATE OR REPLACE TEMP TABLE m AS
SELECT ev.*, v.vkey, v.contract_id, v.disclosure_required, w.talent,
  CASE
    WHEN v.vkey IS NULL THEN 'UNLICENSED'
    WHEN w.revoked_on IS NOT NULL AND ev.day >= w.revoked_on THEN 'UNLICENSED'
    WHEN r.category IS NOT NULL THEN 'RESTRICTED_CATEGORY'
  END AS stop_kind,
  CASE
    WHEN v.vkey IS NULL THEN 'no contract licenses twin ' || ev.twin_id || ' to brand '
      || ev.brand || ' on ' || CAST(ev.day AS VARCHAR)
    WHEN w.revoked_on IS NOT NULL AND ev.day >= w.revoked_on THEN 'twin ' || ev.twin_id
      || ' revoked on ' || CAST(w.revoked_on AS VARCHAR) || ' (consent withdrawn)'
    WHEN r.category IS NOT NULL THEN 'category ' || ev.category
      || ' is restricted by the talent'
  END AS stop_detail,
  ev.kind <> 'render' AND v.vkey IS NOT NULL
    AND NOT (list_contains(v.channels, '*') OR list_contains(v.channels, ev.channel))
    AS bad_channel,
  ev.kind <> 'render' AND v.vkey IS NOT NULL
    AND NOT ((list_contains(v.territories, 'WORLD') OR list_contains(v.territories, ev.territory))
             AND NOT list_contains(v.excluded, ev.territory))
    AS bad_territory,
  ev.kind <> 'render' AND v.vkey IS NOT NULL AND NOT list_contains(v.media, ev.media)
    AS bad_media
FROM ev
LEFT JOIN versions v
  ON v.brand = ev.brand AND v.twin = ev.twin_id AND ev.day BETWEEN v.vfrom AND v.vto
LEFT JOIN twins w ON w.twin_id = ev.twin_id
LEFT JOIN restricted r ON r.talent = w.talent AND r.category = ev.category;

CREATE OR REPLACE TEMP TABLE em AS
WITH ok AS (
  SELECT *, coalesce(bad_channel OR bad_territory OR bad_media, false) AS oos
  FROM m WHERE stop_kind IS NULL
)
SELECT month, vkey, brand, event_id, 'renders' AS metric, channel, territory, media, oos,
       CAST(1 AS DECIMAL(38,3)) AS qty FROM ok WHERE kind = 'render'
UNION ALL
SELECT month, vkey, brand, event_id, 'publications', channel, territory, media, oos,
       CAST(1 AS DECIMAL(38,3)) FROM ok WHERE kind = 'publication'
UNION ALL
SELECT month, vkey, brand, event_id, 'impressions', channel, territory, media, oos,
       CAST(quantity AS DECIMAL(38,3)) FROM ok WHERE kind = 'impressions'
UNION ALL
SELECT month, vkey, brand, event_id, 'video_seconds', channel, territory, media, oos,
       CAST(coalesce(duration_s, 0) AS DECIMAL(38,3)) FROM ok
  WHERE kind = 'publication' AND media = 'video';

CREATE OR REPLACE TEMP TABLE best AS
WITH combos AS (SELECT DISTINCT vkey, metric, channel, media FROM em)
SELECT c.vkey, c.metric, coalesce(c.channel, '') AS channel_key, c.media,
       arg_max(r.rule_no, r.specificity) AS rule_no
FROM combos c JOIN rules r
  ON r.vkey = c.vkey AND r.metric = c.metric
 AND (r.channel = '*' OR r.channel = c.channel) AND (r.media = '*' OR r.media = c.media)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE priced AS
SELECT em.month, em.vkey, b.rule_no, em.oos, em.brand, em.event_id, em.metric, em.channel,
       em.territory, em.media, em.qty
FROM em JOIN best b
  ON b.vkey = em.vkey AND b.metric = em.metric
 AND b.channel_key = coalesce(em.channel, '') AND b.media = em.media;
"""

_EXCEPTIONS = """
WITH first_render AS (
  SELECT brand, twin_id, asset_id, min(occurred_at) AS first_at FROM all_renders GROUP BY ALL
), priced_kinds AS (
  SELECT DISTINCT vkey, channel_key, media,
         CASE WHEN metric = 'impressions' THEN 'impressions' ELSE 'publication' END AS kind
  FROM best WHERE metric <> 'renders'
), flagged AS (
  SELECT stop_kind AS kind, m.*, stop_detail AS detail FROM m WHERE stop_kind IS NOT NULL
  UNION ALL
  SELECT 'OUT_OF_SCOPE', m.*, concat_ws('; ',
      CASE WHEN bad_channel THEN 'channel ' || channel || ' not licensed' END,
      CASE WHEN bad_territory THEN 'territory ' || territory || ' not licensed' END,
      CASE WHEN bad_media THEN 'media ' || media || ' not licensed' END)
  FROM m WHERE stop_kind IS NULL AND (bad_channel OR bad_territory OR bad_media)
  UNION ALL
  SELECT 'MISSING_DISCLOSURE', m.*, 'published without an AI disclosure'
  FROM m WHERE stop_kind IS NULL AND kind = 'publication' AND disclosure_required
    AND NOT coalesce(ai_disclosure, false)
  UNION ALL
  SELECT 'UNVERIFIED_ASSET', m.*, 'asset ' || m.asset_id
      || ' has no render by this brand for this twin at or before its publication'
  FROM m LEFT JOIN first_render f
    ON f.brand = m.brand AND f.twin_id = m.twin_id AND f.asset_id = m.asset_id
  WHERE m.stop_kind IS NULL AND m.kind = 'publication'
    AND (f.first_at IS NULL OR f.first_at > m.occurred_at)
  UNION ALL
  SELECT 'EXCLUSIVITY_CONFLICT', m.*, 'brand ' || x.brand || ' holds exclusive contract '
      || x.contract_id || ' for category ' || x.category || ' in ' || m.territory
      || '; used by brand ' || m.brand
  FROM m JOIN versions x
    ON x.exclusive AND x.twin = m.twin_id AND x.brand <> m.brand
   AND m.day BETWEEN x.vfrom AND x.vto AND x.category = m.category
   AND (list_contains(x.territories, 'WORLD') OR list_contains(x.territories, m.territory))
   AND NOT list_contains(x.excluded, m.territory)
  WHERE m.stop_kind IS NULL AND m.kind IN ('publication', 'impressions')
  UNION ALL
  SELECT 'UNPRICED', m.*, 'no rate prices this ' || m.kind || ' (channel ' || m.channel
      || ', media ' || m.media || ')'
  FROM m ANTI JOIN priced_kinds p
    ON p.vkey = m.vkey AND p.kind = m.kind AND p.channel_key = coalesce(m.channel, '')
   AND p.media = m.media
  WHERE m.stop_kind IS NULL AND m.kind IN ('publication', 'impressions')
)
SELECT kind, brand, twin_id AS twin, talent,
       CASE WHEN vkey IS NULL THEN NULL ELSE contract_id END AS contract, event_id,
       strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ') AS occurred_at, detail
FROM flagged
WHERE day >= CAST(? AS DATE)
ORDER BY occurred_at, brand, event_id, kind
"""


def measure(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    start: date,
    end: date,
    report_from: date,
    contracts: Sequence[Contract],
    parties: Parties,
) -> Measured:
    """Measure every event in [start, end); exceptions only for events from ``report_from``."""
    _register(con, contracts, parties)
    load_events(con, files, start, end)
    con.execute(_MATCH)
    if files:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE all_renders AS SELECT brand, twin_id, asset_id, "
            f"occurred_at FROM read_parquet({parquet_list_sql(files)}, union_by_name = true) "
            "WHERE kind = 'render'"
        )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE all_renders (brand VARCHAR, twin_id VARCHAR, "
            "asset_id VARCHAR, occurred_at TIMESTAMPTZ)"
        )
    lines = con.sql(
        "SELECT month, vkey, rule_no, oos, sum(qty) AS quantity, count(*) AS events "
        "FROM priced GROUP BY ALL ORDER BY ALL"
    ).to_arrow_table()
    breakdown = con.sql(
        "SELECT month, vkey, rule_no, oos, channel, territory, media, sum(qty) AS quantity "
        "FROM priced GROUP BY ALL ORDER BY ALL"
    ).to_arrow_table()
    exceptions = (
        con.sql(_EXCEPTIONS.replace("CAST(? AS DATE)", f"DATE '{report_from.isoformat()}'"))
        .to_arrow_table()
        .cast(EXCEPTION_SCHEMA)
    )
    rated = con.execute("SELECT count(*) FROM ev WHERE day >= ?", [report_from]).fetchone()
    return Measured(lines, breakdown, exceptions, int(rated[0]) if rated else 0)
