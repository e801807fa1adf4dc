"""A real export format added to the registry, to show that one entry is served everywhere."""

from __future__ import annotations

from pathlib import Path

from ledger.reconcile import Reconciliation
from reports import exports

TSV_MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"


def write_tsv(path: Path, rec: Reconciliation) -> Path:
    table = exports.reconciliation_csv_table(rec)
    lines = ["\t".join(table.columns)]
    lines += ["\t".join(exports.csv_cell(c) for c in row) for row in table.rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TSV = exports.ExportFormat(TSV_MEDIA_TYPE, write_tsv)
