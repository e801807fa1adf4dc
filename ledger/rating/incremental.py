"""Measure incrementally: reuse what the latest close measured, read only what changed since.

A close stores the quantities per priced line of every month it measured (``Reuse.stored``).
Settling a later period then reads the period's own partition, the months between the close and
the period, and, of the closed months, only the (month, brand) pairs that changed since the close
(``Reuse.dirty``: batches committed, restated or withdrawn after it, contracts amended or added
since). Everything else is taken from the stored quantities. The result is the same table a full
measure gives (``LINE_ORDER``), which is what lets settlements stay byte-identical to ``--full``.

One check of a publication looks back past its month: UNVERIFIED_ASSET needs the first render of
its asset. A close also stores the first render of every asset before its end
(``Reuse.renders``); with the renders of the files read now, that settles every publication.
When a batch was withdrawn or restated since the close, the stored renders may be wrong, and
the assets whose publication has no render of its own month at or before it are looked up in
earlier months instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ledger.domain import Contract, Parties
from ledger.rating.engine import Engine
from ledger.rating.measure import (
    LINE_ORDER,
    LINE_SCHEMA,
    RENDERS_SCHEMA,
    Measured,
    count_events,
    credential_counts,
    define_events,
    find_exceptions,
    first_renders,
    has_assets,
    match,
    rate,
)
from ledger.rating.tables import register_reference
from ledger.storage.events import has_supersedes, newest_versions_of


@dataclass(frozen=True)
class Reuse:
    """What an incremental measure takes from the latest close and what it reads again."""

    through: str  # YYYY-MM of the latest close; months after it are always measured
    stored: pa.Table  # LINE_SCHEMA: the lines that close measured, every month up to it
    dirty: frozenset[tuple[str, str]]  # (month, brand) up to `through` to measure again
    files: Sequence[Path]  # the event files of the months measured, and of the added batches
    superseders: Sequence[Path]  # the files of every batch that changes one of those months
    added: frozenset[str] = frozenset()
    """Batches committed since the close that only add events (nothing restated): their events
    up to `through` are measured alone and added to the stored quantities."""
    renamed: Mapping[str, str] = field(default_factory=dict)
    """Version keys of contracts amended since the close in their prices only (what measuring
    reads is unchanged): old key -> new key. Their stored quantities are kept, re-keyed, and
    priced at the new prices instead of being measured again."""
    renders: pa.Table | None = None
    """RENDERS_SCHEMA: the first renders before the close's end, as the close knew them (None
    when a batch was withdrawn or restated since: earlier months are then searched)."""


def _day_after(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    return date(year + (number == 12), number % 12 + 1, 1)


def measure_reusing(
    con: Engine,
    reuse: Reuse,
    history: Sequence[Path],
    start: date,
    end: date,
    report_from: date,
    contracts: Sequence[Contract],
    parties: Parties,
    index_renders: bool = False,
    assets: pa.Table | None = None,
) -> Measured:
    """The measure of [start, end) that :func:`ledger.rating.measure.measure` gives over
    ``history`` (every committed file), reading ``reuse.files``, the close's first renders and,
    only when those are not valid, the renders of ``history`` before ``report_from``."""
    register_reference(con, contracts, parties, assets)
    con.load(
        "dirty",
        pa.table(
            {
                "month": [m for m, _ in sorted(reuse.dirty)],
                "brand": [b for _, b in sorted(reuse.dirty)],
            },
            schema=pa.schema([("month", pa.string()), ("brand", pa.string())]),
        ),
    )
    con.load("added", pa.table({"batch_id": pa.array(sorted(reuse.added), pa.string())}))
    con.load("early_renders", RENDERS_SCHEMA.empty_table())
    since = f"TIMESTAMPTZ '{report_from} 00:00:00+00'"
    after = f"TIMESTAMPTZ '{_day_after(reuse.through)} 00:00:00+00'"
    define_events(
        con,
        reuse.files,
        start,
        end,
        superseders=reuse.superseders,
        scope=_scope(after, reuse),
        renders=(
            "SELECT brand, twin_id, asset_id, occurred_at FROM ev_src "
            f"WHERE kind = 'render' AND occurred_at < TIMESTAMPTZ '{end} 00:00:00+00' "
            "UNION ALL SELECT * FROM early_renders"
        ),
        content_hash=has_assets(con),
    )
    if reuse.renders is not None:
        con.load("early_renders", reuse.renders.cast(RENDERS_SCHEMA))
    else:
        _look_back(con, history, since, every=index_renders)
    match(con)
    lines, breakdown = rate(con)
    exceptions = find_exceptions(con, report_from)
    combined = _add(_kept(reuse, start), lines)
    renders = first_renders(con, end) if index_renders else None
    events = count_events(con, report_from)
    credentials = credential_counts(con, report_from)
    return Measured(combined, breakdown, exceptions, events, renders, credentials)


def _scope(after: str, reuse: Reuse) -> str:
    """The events measured again: those after the close, of the (month, brand) pairs changed
    since it, and of the batches added since it. A condition on an empty table is left out:
    DuckDB would otherwise probe that table for every event of the period."""
    chosen = [f"occurred_at >= {after}"]
    if reuse.dirty:
        chosen.append(
            "EXISTS (SELECT 1 FROM dirty d WHERE d.month = ev_all.month AND d.brand = ev_all.brand)"
        )
    if reuse.added:
        chosen.append("batch_id IN (SELECT batch_id FROM added)")
    return " OR ".join(chosen)


def _add(kept: pa.Table, fresh: pa.Table) -> pa.Table:
    """The stored lines plus the fresh ones, quantities of the same line summed (a line of a
    closed month that added batches add to). Stored lines are one per line already: only those
    of the months measured again are grouped with the fresh ones."""
    fresh = fresh.cast(LINE_SCHEMA)
    again = pc.is_in(kept.column("month"), value_set=pc.unique(fresh.column("month")))
    alone = kept.filter(pc.invert(again))
    both = pa.concat_tables([kept.filter(again), fresh])
    keys = [name for name, _ in LINE_ORDER]
    summed = both.group_by(keys, use_threads=False).aggregate(
        [("quantity", "sum"), ("events", "sum"), ("brand", "min")]
    )
    renamed = summed.rename_columns(
        [
            {"quantity_sum": "quantity", "events_sum": "events", "brand_min": "brand"}.get(n, n)
            for n in summed.column_names
        ]
    )
    summed = renamed.select(LINE_SCHEMA.names).cast(LINE_SCHEMA)
    return pa.concat_tables([alone, summed]).sort_by(LINE_ORDER)


def _kept(reuse: Reuse, start: date) -> pa.Table:
    """The stored lines still valid: months from ``start`` to the close, brands not dirty."""
    stored = reuse.stored.cast(LINE_SCHEMA)
    month = stored.column("month")
    keep = pc.and_(pc.greater_equal(month, f"{start:%Y-%m}"), pc.less_equal(month, reuse.through))
    if reuse.dirty:
        pairs = pc.binary_join_element_wise(month, stored.column("brand"), "\x00")
        dirty = pa.array(sorted(f"{m}\x00{b}" for m, b in reuse.dirty))
        keep = pc.and_(keep, pc.invert(pc.is_in(pairs, value_set=dirty)))
    kept = stored.filter(keep)
    if not reuse.renamed:
        return kept
    keys = [reuse.renamed.get(k, k) for k in kept.column("vkey").to_pylist()]
    index = kept.schema.get_field_index("vkey")
    return kept.set_column(index, LINE_SCHEMA.field("vkey"), pa.array(keys, pa.string()))


def _look_back(con: Engine, history: Sequence[Path], since: str, every: bool) -> None:
    """Fill ``early_renders`` with the first render before ``since`` of every asset published
    from ``since`` on without a render of its own month at or before its publication (of every
    asset, with ``every``)."""
    con.run(
        "CREATE OR REPLACE TEMP TABLE need AS "
        "WITH pubs AS (SELECT brand, twin_id, asset_id, min(occurred_at) AS first_pub "
        f"FROM ev_all WHERE kind = 'publication' AND occurred_at >= {since} GROUP BY ALL), "
        "renders AS (SELECT brand, twin_id, asset_id, min(occurred_at) AS first_render "
        f"FROM ev_all WHERE kind = 'render' AND occurred_at >= {since} GROUP BY ALL) "
        "SELECT p.brand, p.twin_id, p.asset_id FROM pubs p "
        "LEFT JOIN renders r ON r.brand = p.brand AND r.twin_id = p.twin_id "
        "AND r.asset_id = p.asset_id "
        "WHERE p.asset_id IS NOT NULL AND (r.first_render IS NULL OR r.first_render > p.first_pub)"
    )
    needed = con.fetch("SELECT count(*) AS needed FROM need").column(0)[0].as_py()
    if not (needed or every) or not history:
        return
    con.events("history_files", history)
    source = (
        f"({newest_versions_of('history_files', 'history_files')})"
        if has_supersedes(history)
        else "history_files"
    )
    wanted = (
        ""
        if every
        else "SEMI JOIN need n ON n.brand = e.brand AND n.twin_id = e.twin_id "
        "AND n.asset_id = e.asset_id "
    )
    found = con.fetch(
        "SELECT e.brand, e.twin_id, e.asset_id, min(e.occurred_at) AS occurred_at "
        f"FROM {source} e {wanted}WHERE e.kind = 'render' AND e.occurred_at < {since} "
        "GROUP BY ALL"
    )
    con.load("early_renders", found.cast(RENDERS_SCHEMA))
