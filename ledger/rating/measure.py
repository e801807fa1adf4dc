"""Measure: turn stored events into quantities per priced line, and find the exceptions.

Everything here runs in DuckDB over the committed Parquet files; no Python touches an event.
A priced line is keyed by (month, contract version, rate rule, out_of_scope). Each use is
matched to its contract version (SPEC 3 step 1), stopped if unlicensed or restricted (step 2),
checked for scope (3) and compliance (4), then each metric it feeds is given the most specific
rate rule of its version (5).

The per-event relations (``ev``, ``m``, ``em``, ``priced``) are views: nothing the size of the
event store is ever materialised. The rating pass streams the Parquet files once into ``agg``,
quantities per (month, version, metric, channel, territory, media, out of scope), and prices
from that; the exception pass streams them once more and keeps only the flagged events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

from ledger.domain import Contract, Parties
from ledger.rating.engine import Engine
from ledger.rating.tables import register_reference
from ledger.storage.events import has_supersedes, newest_versions_of

_SELECT_EVENTS = (
    "brand, event_id, occurred_at, kind, twin_id, asset_id, channel, territory, media, quantity, "
    "duration_s, campaign, category, ai_disclosure, batch_id, line_no"
)
_HASH_KEY = "nullif(regexp_replace(lower(trim(content_hash)), '^sha256:', ''), '')"
"""A publication's content_hash as an asset credential's sha256 is stored (hex, lower case)."""
_DAY = "CAST(DATE '1970-01-01' + CAST(epoch_us(occurred_at) // 86400000000 AS INTEGER) AS DATE)"

LINE_SCHEMA = pa.schema(
    [
        ("month", pa.string()),
        ("vkey", pa.string()),
        ("rule_no", pa.int64()),
        ("oos", pa.bool_()),
        ("quantity", pa.decimal128(38, 3)),
        ("events", pa.int64()),
        ("brand", pa.string()),
    ]
)
RENDERS_SCHEMA = pa.schema(
    [
        ("brand", pa.string()),
        ("twin_id", pa.string()),
        ("asset_id", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
    ]
)
"""The first render of every (brand, twin, asset) before a date: what UNVERIFIED_ASSET needs of
earlier months."""

BREAKDOWN_SCHEMA = pa.schema(
    [
        ("month", pa.string()),
        ("vkey", pa.string()),
        ("rule_no", pa.int64()),
        ("oos", pa.bool_()),
        ("channel", pa.string()),
        ("territory", pa.string()),
        ("media", pa.string()),
        ("quantity", pa.decimal128(38, 3)),
    ]
)

LINE_ORDER = [(name, "ascending") for name in ("month", "vkey", "rule_no", "oos")]
"""Measured lines are always in this order, however they were measured."""

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

    lines: pa.Table  # month, vkey, rule_no, oos, quantity, events, brand (LINE_SCHEMA)
    breakdown: pa.Table  # month, vkey, rule_no, oos, channel, territory, media, quantity
    exceptions: pa.Table  # EXCEPTION_SCHEMA, only for events from `report_from`
    events_rated: int
    first_renders: pa.Table | None = None  # RENDERS_SCHEMA, when asked for (a close)
    credentials: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """contract id -> (publications from ``report_from`` with a verified content credential,
    publications), for contracts of brands with asset credentials on file."""


def define_events(
    con: Engine,
    files: Sequence[Path],
    start: date,
    end: date,
    *,
    superseders: Sequence[Path] | None = None,
    scope: str | None = None,
    renders: str | None = None,
    content_hash: bool = False,
) -> None:
    """Create view ``ev``: the events whose UTC date is in [start, end), with ``day``/``month``,
    and view ``all_renders`` (by default every render of ``files``). ``ev_src`` is every event
    of ``files``, only the newest version of a restated (brand, event_id) (the restating rows
    are looked for in ``superseders``, by default ``files``). ``scope``, a predicate over
    ``ev``'s columns, narrows ``ev`` further; ``renders`` replaces ``all_renders``'s query.
    ``content_hash`` reads the events' content_hash (only asset credentials need it: without
    them it is null)."""
    con.events("ev_files", files)
    restating = files if superseders is None else superseders
    if files and has_supersedes(restating):
        if superseders is not None:
            con.events("ev_restating", superseders)
        source = newest_versions_of(
            "ev_files", "ev_files" if superseders is None else "ev_restating"
        )
    else:
        source = "SELECT * FROM ev_files"
    con.run(f"CREATE OR REPLACE TEMP VIEW ev_src AS {source}")
    con.run(
        f"CREATE OR REPLACE TEMP VIEW ev_all AS SELECT {_SELECT_EVENTS}, {_DAY} AS day, "
        f"{_HASH_KEY if content_hash and files else 'CAST(NULL AS VARCHAR)'} AS hash_key, "
        "strftime(occurred_at, '%Y-%m') AS month "
        f"FROM ev_src WHERE occurred_at >= TIMESTAMPTZ '{start} 00:00:00+00' "
        f"AND occurred_at < TIMESTAMPTZ '{end} 00:00:00+00'"
    )
    con.run(
        "CREATE OR REPLACE TEMP VIEW ev AS SELECT * FROM ev_all"
        + (f" WHERE {scope}" if scope else "")
    )
    if renders is None:
        renders = "SELECT brand, twin_id, asset_id, occurred_at FROM ev_src WHERE kind = 'render'"
    con.run(f"CREATE OR REPLACE TEMP VIEW all_renders AS {renders}")


_MATCH = """
CREATE OR REPLACE TEMP VIEW m AS
SELECT ev.*, v.vkey, v.contract_id, v.disclosure_required, w.talent,
  CASE
    WHEN v.vkey IS NULL THEN 'UNLICENSED'
    WHEN w.revoked_on IS NOT NULL AND ev.day >= w.revoked_on THEN 'UNLICENSED'
    WHEN list_contains(w.restricted, ev.category) THEN 'RESTRICTED_CATEGORY'
  END AS stop_kind,
  CASE
    WHEN v.vkey IS NULL THEN 'no contract licenses twin ' || ev.twin_id || ' to brand '
      || ev.brand || ' on ' || CAST(ev.day AS VARCHAR)
    WHEN w.revoked_on IS NOT NULL AND ev.day >= w.revoked_on THEN 'twin ' || ev.twin_id
      || ' revoked on ' || CAST(w.revoked_on AS VARCHAR) || ' (consent withdrawn)'
    WHEN list_contains(w.restricted, ev.category) THEN 'category ' || ev.category
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
LEFT JOIN twins w ON w.twin_id = ev.twin_id;

CREATE OR REPLACE TEMP VIEW em AS
SELECT m.month, m.day, m.vkey, m.brand, m.event_id, k.metric, m.channel, m.territory, m.media,
  coalesce(m.bad_channel OR m.bad_territory OR m.bad_media, false) AS oos,
  CAST(CASE k.metric
    WHEN 'impressions' THEN m.quantity
    WHEN 'video_seconds' THEN coalesce(m.duration_s, 0)
    ELSE 1 END AS DECIMAL(38,3)) AS qty
FROM m JOIN metric_kinds k ON k.kind = m.kind AND (NOT k.video_only OR m.media = 'video')
WHERE m.stop_kind IS NULL;
"""

_RATE = """
CREATE OR REPLACE TEMP TABLE agg AS
SELECT date_trunc('month', day) AS month_start, vkey, metric, channel, territory, media, oos,
       sum(qty) AS qty, count(*) AS events
FROM em GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE best AS
WITH combos AS (SELECT DISTINCT vkey, metric, channel, media FROM agg)
SELECT c.vkey, c.metric, coalesce(c.channel, '') AS channel_key, c.media,
       arg_max(r.rule_no, r.specificity) AS rule_no
FROM combos c JOIN rules r
  ON r.vkey = c.vkey AND r.metric = c.metric
 AND (r.channel = '*' OR r.channel = c.channel) AND (r.media = '*' OR r.media = c.media)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE priced_agg AS
SELECT strftime(a.month_start, '%Y-%m') AS month, a.vkey, b.rule_no, a.oos, a.channel,
       a.territory, a.media, a.qty, a.events
FROM agg a JOIN best b
  ON b.vkey = a.vkey AND b.metric = a.metric
 AND b.channel_key = coalesce(a.channel, '') AND b.media = a.media;

CREATE OR REPLACE TEMP VIEW priced AS
SELECT em.month, em.vkey, b.rule_no, em.oos, em.brand, em.event_id, em.metric, em.channel,
       em.territory, em.media, em.qty
FROM em JOIN best b
  ON b.vkey = em.vkey AND b.metric = em.metric
 AND b.channel_key = coalesce(em.channel, '') AND b.media = em.media;
"""

_CREDENTIALS = """
CREATE OR REPLACE TEMP TABLE pub_cred AS
WITH pubs AS (
  SELECT brand, event_id, asset_id, hash_key FROM m
  WHERE kind = 'publication' AND day >= $report_from
    AND brand IN (SELECT brand FROM assets)
), matched AS (
  SELECT p.brand, p.event_id, a.verified, a.ai_generated
  FROM pubs p JOIN assets a ON a.brand = p.brand AND a.sha256 = p.hash_key
  WHERE p.hash_key IS NOT NULL
  UNION ALL
  SELECT p.brand, p.event_id, a.verified, a.ai_generated
  FROM pubs p JOIN assets a ON a.brand = p.brand AND a.asset_id = p.asset_id
  WHERE p.hash_key IS NULL
)
SELECT brand, event_id, count(*) AS records, bool_and(verified) AS cred_verified,
       bool_and(verified AND ai_generated) AS cred_ai
FROM matched GROUP BY brand, event_id
"""
"""Per publication of a brand with asset credentials on file: the credentials it matches (by
content_hash, or by asset_id when it has none), whether all are verified, and whether all are
verified and declare AI generation."""

PUB_CRED_SCHEMA = pa.schema(
    [
        ("brand", pa.string()),
        ("event_id", pa.string()),
        ("records", pa.int64()),
        ("cred_verified", pa.bool_()),
        ("cred_ai", pa.bool_()),
    ]
)
"""``pub_cred`` when no asset credential is on file: empty."""

_FLAGGED_ROWS = """
CREATE OR REPLACE TEMP TABLE flag_rows AS
WITH first_render AS (
  SELECT brand, twin_id, asset_id, min(occurred_at) AS first_at FROM all_renders GROUP BY ALL
), priced_kinds AS (
  SELECT DISTINCT vkey, channel_key, media,
         CASE WHEN metric = 'impressions' THEN 'impressions' ELSE 'publication' END AS kind
  FROM best WHERE metric <> 'renders'
), unpriced_versions AS (
  SELECT DISTINCT a.vkey
  FROM agg a
  LEFT JOIN priced_kinds p
    ON p.vkey = a.vkey AND p.channel_key = coalesce(a.channel, '') AND p.media = a.media
   AND p.kind = CASE WHEN a.metric = 'impressions' THEN 'impressions' ELSE 'publication' END
  WHERE a.metric <> 'renders' AND a.vkey IS NOT NULL AND p.vkey IS NULL
), candidates AS (
  SELECT * FROM m
  WHERE m.day >= $report_from
    AND (m.stop_kind IS NOT NULL OR m.bad_channel OR m.bad_territory OR m.bad_media
         OR m.kind = 'publication' OR m.vkey IN (SELECT vkey FROM unpriced_versions))
), rated AS (
  SELECT c.*,
    c.stop_kind IS NULL AND c.kind IN ('publication', 'impressions')
      AND p.vkey IS NULL AS unpriced
  FROM candidates c
  LEFT JOIN priced_kinds p
    ON p.vkey = c.vkey AND p.kind = c.kind AND p.channel_key = coalesce(c.channel, '')
   AND p.media = c.media
), checked AS (
  SELECT m.brand, m.event_id, m.occurred_at, m.kind, m.twin_id, m.asset_id, m.channel,
    m.territory, m.media, m.category, m.day, m.vkey, m.contract_id, m.talent, m.stop_kind,
    m.stop_detail, m.bad_channel, m.bad_territory, m.bad_media,
    m.stop_kind IS NULL AND m.kind = 'publication' AND m.disclosure_required
      AND NOT coalesce(m.ai_disclosure, false) AND NOT coalesce(cr.cred_ai, false)
      AS no_disclosure,
    m.stop_kind IS NULL AND m.kind = 'publication' AND m.disclosure_required
      AND coalesce(m.ai_disclosure, false) AND NOT coalesce(cr.cred_ai, false)
      AND m.brand IN (SELECT brand FROM assets) AS disclosure_unverified,
    CASE WHEN cr.records IS NULL THEN 'missing'
         WHEN NOT cr.cred_verified THEN 'not verified' ELSE 'no AI' END AS credential,
    m.stop_kind IS NULL AND m.kind = 'publication'
      AND (f.first_at IS NULL OR f.first_at > m.occurred_at)
      AND NOT coalesce(cr.cred_verified, false) AS unverified,
    m.unpriced,
    x.brand AS x_brand, x.contract_id AS x_contract, x.category AS x_category
  FROM rated m
  LEFT JOIN first_render f
    ON m.kind = 'publication' AND f.brand = m.brand AND f.twin_id = m.twin_id
   AND f.asset_id = m.asset_id
  LEFT JOIN pub_cred cr ON cr.brand = m.brand AND cr.event_id = m.event_id
  LEFT JOIN exclusive x
    ON m.kind = 'publication' AND m.stop_kind IS NULL
   AND x.twin = m.twin_id AND x.category = m.category AND x.brand <> m.brand
   AND m.day BETWEEN x.vfrom AND x.vto
   AND (list_contains(x.territories, 'WORLD') OR list_contains(x.territories, m.territory))
   AND NOT list_contains(x.excluded, m.territory)
)
SELECT * FROM checked
WHERE stop_kind IS NOT NULL OR (stop_kind IS NULL AND (bad_channel OR bad_territory OR bad_media))
   OR no_disclosure OR disclosure_unverified OR unverified OR unpriced OR x_brand IS NOT NULL
"""

_FLAG_COLUMNS = (
    "brand, event_id, occurred_at, kind, twin_id, asset_id, channel, territory, media, vkey, "
    "contract_id, talent, stop_kind, stop_detail, bad_channel, bad_territory, bad_media, "
    "no_disclosure, disclosure_unverified, credential, unverified, unpriced"
)
"""The columns of a flagged event; only the exclusive contracts it conflicts with (``x_*``) tell
apart the rows ``flag_rows`` has for one event, so these are the same on all of them."""

_EXCEPTIONS = f"""
WITH one AS (SELECT DISTINCT {_FLAG_COLUMNS} FROM flag_rows), flagged AS (
  SELECT stop_kind AS flag, one.*, stop_detail AS detail FROM one WHERE stop_kind IS NOT NULL
  UNION ALL
  SELECT 'OUT_OF_SCOPE', one.*, concat_ws('; ',
      CASE WHEN bad_channel THEN 'channel ' || channel || ' not licensed' END,
      CASE WHEN bad_territory THEN 'territory ' || territory || ' not licensed' END,
      CASE WHEN bad_media THEN 'media ' || media || ' not licensed' END)
  FROM one WHERE stop_kind IS NULL AND (bad_channel OR bad_territory OR bad_media)
  UNION ALL
  SELECT 'MISSING_DISCLOSURE', one.*, 'published without an AI disclosure'
  FROM one WHERE no_disclosure
  UNION ALL
  SELECT 'DISCLOSURE_UNVERIFIED', one.*, 'AI disclosure of asset ' || asset_id || ' unverified: '
      || CASE credential WHEN 'missing' THEN 'no content credential on file'
           WHEN 'not verified' THEN 'its content credential is not verified'
           ELSE 'its content credential declares no AI generation' END
  FROM one WHERE disclosure_unverified
  UNION ALL
  SELECT 'UNVERIFIED_ASSET', one.*, 'asset ' || asset_id
      || ' has no render by this brand for this twin at or before its publication'
  FROM one WHERE unverified
  UNION ALL
  SELECT 'EXCLUSIVITY_CONFLICT', {_FLAG_COLUMNS}, 'brand ' || x_brand
      || ' holds exclusive contract ' || x_contract || ' for category ' || x_category || ' in '
      || territory || '; used by brand ' || brand
  FROM flag_rows WHERE x_brand IS NOT NULL
  UNION ALL
  SELECT 'UNPRICED', one.*, 'no rate prices this ' || kind || ' (channel ' || channel
      || ', media ' || media || ')'
  FROM one WHERE unpriced
)
SELECT flag AS kind, brand, twin_id AS twin, talent,
       CASE WHEN vkey IS NULL THEN NULL ELSE contract_id END AS contract, event_id,
       strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ') AS occurred_at, detail
FROM flagged
ORDER BY occurred_at, brand, event_id, kind, detail
"""


def prepare(
    con: Engine,
    files: Sequence[Path],
    start: date,
    end: date,
    contracts: Sequence[Contract],
    parties: Parties,
    assets: pa.Table | None = None,
) -> None:
    """Register the reference tables and define the per-event views (nothing is read yet)."""
    register_reference(con, contracts, parties, assets)
    define_events(con, files, start, end, content_hash=has_assets(con))
    match(con)


def has_assets(con: Engine) -> bool:
    """True when any asset credential is registered (publications are then matched to them)."""
    found = con.fetch("SELECT count(*) AS n FROM assets")
    return bool(found.column(0)[0].as_py())


def match(con: Engine) -> None:
    """Define the per-event views over ``ev`` (uses matched to versions, metrics)."""
    con.run(_MATCH)


def rate(con: Engine) -> tuple[pa.Table, pa.Table]:
    """The rating pass: one scan of the events into quantities per priced line and breakdown."""
    con.run(_RATE)
    lines = con.fetch(
        "SELECT p.month, p.vkey, p.rule_no, p.oos, sum(p.qty) AS quantity, "
        "CAST(sum(p.events) AS BIGINT) AS events, any_value(v.brand) AS brand "
        "FROM priced_agg p JOIN versions v ON v.vkey = p.vkey "
        "GROUP BY p.month, p.vkey, p.rule_no, p.oos"
    )
    lines = lines.cast(LINE_SCHEMA).sort_by(LINE_ORDER)
    breakdown = con.fetch(
        "SELECT month, vkey, rule_no, oos, channel, territory, media, sum(qty) AS quantity "
        "FROM priced_agg GROUP BY ALL ORDER BY ALL"
    )
    return lines, breakdown.cast(BREAKDOWN_SCHEMA)


def find_exceptions(con: Engine, report_from: date) -> pa.Table:
    """The exception pass (after :func:`rate`): every flagged event from ``report_from`` on."""
    if has_assets(con):
        con.run(_CREDENTIALS, {"report_from": report_from})
    else:
        con.load("pub_cred", PUB_CRED_SCHEMA.empty_table())
    con.run(_FLAGGED_ROWS, {"report_from": report_from})
    return con.fetch(_EXCEPTIONS).cast(EXCEPTION_SCHEMA)


def credential_counts(con: Engine, report_from: date) -> dict[str, tuple[int, int]]:
    """Per contract of a brand with asset credentials (after :func:`find_exceptions`): its
    licensed publications from ``report_from`` that carry a verified content credential, and
    all of them."""
    if not has_assets(con):
        return {}
    rows = con.fetch(
        "SELECT m.contract_id AS contract_id, "
        "count(*) FILTER (WHERE coalesce(cr.cred_verified, false)) AS verified, "
        "count(*) AS uses FROM m LEFT JOIN pub_cred cr "
        "ON cr.brand = m.brand AND cr.event_id = m.event_id "
        "WHERE m.kind = 'publication' AND m.stop_kind IS NULL AND m.day >= $report_from "
        "AND m.brand IN (SELECT brand FROM assets) GROUP BY m.contract_id ORDER BY 1",
        {"report_from": report_from},
    ).to_pylist()
    return {str(r["contract_id"]): (int(r["verified"]), int(r["uses"])) for r in rows}


def first_renders(con: Engine, end: date) -> pa.Table:
    """The first render of every (brand, twin, asset) before ``end`` (after :func:`prepare`)."""
    return con.fetch(
        "SELECT brand, twin_id, asset_id, min(occurred_at) AS occurred_at FROM all_renders "
        f"WHERE occurred_at < TIMESTAMPTZ '{end} 00:00:00+00' GROUP BY ALL ORDER BY ALL"
    ).cast(RENDERS_SCHEMA)


def count_events(con: Engine, report_from: date) -> int:
    rated = con.fetch(
        "SELECT count(*) AS events FROM ev WHERE day >= $report_from", {"report_from": report_from}
    )
    return int(rated.column(0)[0].as_py())


def measure(
    con: Engine,
    files: Sequence[Path],
    start: date,
    end: date,
    report_from: date,
    contracts: Sequence[Contract],
    parties: Parties,
    index_renders: bool = False,
    assets: pa.Table | None = None,
) -> Measured:
    """Measure every event in [start, end); exceptions only for events from ``report_from``;
    with ``index_renders``, the first renders before ``end`` too; publications are checked
    against ``assets`` (``ASSET_SCHEMA``)."""
    prepare(con, files, start, end, contracts, parties, assets)
    lines, breakdown = rate(con)
    exceptions = find_exceptions(con, report_from)
    renders = first_renders(con, end) if index_renders else None
    events = count_events(con, report_from)
    credentials = credential_counts(con, report_from)
    return Measured(lines, breakdown, exceptions, events, renders, credentials)
