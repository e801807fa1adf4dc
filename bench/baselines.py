"""The engines' own speed on the same work: what twinledger's steps are compared with.

- DuckDB's CSV -> Parquet of the same log files;
- a bare DuckDB rating query over the same stored events: join each event to its contract
  version by brand, twin and date, pick a rate (exact channel before "*"), sum per
  contract-rule, after a dedupe anti-join of the events against the same events' keys;
- bare reportlab rendering of a comparable 3-page statement (same TTF font, tables, paragraphs).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from ledger.domain import Contract
from ledger.storage.events import connect, parquet_list_sql


def csv_to_parquet(files: Sequence[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    started = time.perf_counter()
    for path in files:
        target = out / (path.stem + ".parquet")
        con.execute(
            f"COPY (SELECT * FROM read_csv('{path}', header = true)) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def _prices(contracts: Sequence[Contract]) -> pa.Table:
    rows = []
    for c in contracts:
        for v in c.versions():
            for r in v.terms.rates:
                price = r.price if r.price is not None else r.tiers[0].price
                rows.append(
                    {
                        "brand": c.brand,
                        "twin": c.twin,
                        "vfrom": v.effective_from,
                        "vto": v.effective_to,
                        "vkey": v.key,
                        "rule_no": r.rule_no,
                        "metric": r.metric,
                        "channel": r.channel,
                        "unit_price": str(price / Decimal(r.per)),
                    }
                )
    return pa.Table.from_pylist(rows)


_BARE_RATING = """
WITH ev AS (
  SELECT brand, event_id, batch_id, twin_id, kind, channel, quantity,
         CAST(occurred_at AS DATE) AS day
  FROM read_parquet({files}, union_by_name = true)
  WHERE occurred_at >= TIMESTAMPTZ '{start} 00:00:00+00'
    AND occurred_at < TIMESTAMPTZ '{end} 00:00:00+00'
), fresh AS (
  SELECT * FROM ev ANTI JOIN (
    SELECT brand, event_id, batch_id FROM read_parquet({files}, union_by_name = true)
  ) d ON d.brand = ev.brand AND d.event_id = ev.event_id AND d.batch_id < ev.batch_id
), used AS (
  SELECT f.*, v.vkey,
    CASE f.kind WHEN 'render' THEN 'renders' WHEN 'publication' THEN 'publications'
         ELSE 'impressions' END AS metric,
    CASE WHEN f.kind = 'impressions' THEN f.quantity ELSE 1 END AS qty
  FROM fresh f JOIN versions v
    ON v.brand = f.brand AND v.twin = f.twin_id AND f.day BETWEEN v.vfrom AND v.vto
)
SELECT u.vkey, coalesce(x.rule_no, s.rule_no) AS rule_no, sum(u.qty) AS quantity,
       sum(u.qty * CAST(coalesce(x.unit_price, s.unit_price) AS DECIMAL(18, 6))) AS amount
FROM used u
LEFT JOIN prices x ON x.vkey = u.vkey AND x.metric = u.metric AND x.channel = u.channel
LEFT JOIN prices s ON s.vkey = u.vkey AND s.metric = u.metric AND s.channel = '*'
GROUP BY ALL
"""


def bare_rating(
    files: Sequence[Path], contracts: Sequence[Contract], start: str, end: str
) -> float:
    con = connect()
    prices = _prices(contracts)
    con.register("prices_arrow", prices)
    con.execute("CREATE TEMP TABLE prices AS SELECT * FROM prices_arrow")
    con.execute(
        "CREATE TEMP TABLE versions AS SELECT DISTINCT brand, twin, vfrom, vto, vkey FROM prices"
    )
    query = _BARE_RATING.format(files=parquet_list_sql(files), start=start, end=end)
    started = time.perf_counter()
    con.sql(query).to_arrow_table()
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def bare_statement(path: Path, number: int) -> None:
    """A 3-page statement: title, a summary table and about 120 detail rows."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from reports import fonts

    fonts.register()
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("bare", fontName=fonts.REGULAR)
    story = [
        Paragraph(f"Statement {number} · Σοφία Παπαδοπούλου · 2026-10", body),
        Table(
            [
                ["opening balance", "0.00 EUR"],
                ["earned", "12 345.67 EUR"],
                ["payable", f"{number}.00 EUR"],
            ],
            style=TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR)]),
        ),
    ]
    rows = [["brand", "contract", "metric", "channel", "territory", "quantity", "amount"]]
    rows += [
        [f"Brand {n % 7} & Co", f"C-{n:04d}-A", "impressions", "social", "SE", f"{n * 997}", "1.00"]
        for n in range(120)
    ]
    story.append(
        Table(
            rows,
            repeatRows=1,
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            ),
        )
    )
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(story)


def bare_statements(out: Path, count: int) -> float:
    """Seconds to render ``count`` bare statements in one process."""
    out.mkdir(parents=True, exist_ok=True)
    bare_statement(out / "warm.pdf", 0)
    started = time.perf_counter()
    for n in range(count):
        bare_statement(out / f"bare-{n}.pdf", n)
    return time.perf_counter() - started
